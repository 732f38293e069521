using static ActorCodistill.Torch.torch;
using static ActorCodistill.Torch.Tests.Nn.NnTestHelpers;

namespace ActorCodistill.Torch.Tests.Optim;

[Trait("Category", "Unit")]
public class OptimizerStateTests
{
    public static TheoryData<string> Kinds => new() { "sgd", "adam", "adagrad" };

    private static optim.Optimizer Make(string kind, IEnumerable<Tensor> parameters) => kind switch
    {
        "sgd" => optim.SGD(parameters, lr: 0.05, momentum: 0.9),
        "adam" => optim.Adam(parameters, lr: 0.01),
        _ => optim.Adagrad(parameters, lr: 0.1, lr_decay: 0.01, initial_accumulator_value: 0.1),
    };

    private static void TrainStep(nn.Module<Tensor, Tensor> model, optim.Optimizer opt, int i)
    {
        using var scope = NewDisposeScope();
        manual_seed(100 + i);
        var x = randn(4, 3);
        var y = randn(4, 2);
        opt.zero_grad();
        nn.functional.mse_loss(model.forward(x), y).backward();
        opt.step();
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void LoadStateDict_MidwayIntoFreshOptimizer_ContinuesIdentically(string kind)
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        using var a = nn.Linear(3, 2);
        using var b = nn.Linear(3, 2);
        using var optA = Make(kind, a.parameters());
        for (var i = 0; i < 3; i++) TrainStep(a, optA, i);

        // Restore model and optimizer into B mid-way, then run both for 4 more steps on the same data.
        b.load_state_dict(a.state_dict());
        using var optB = Make(kind, b.parameters());
        using (var saved = optA.state_dict()) optB.load_state_dict(saved);
        for (var i = 3; i < 7; i++)
        {
            TrainStep(a, optA, i);
            TrainStep(b, optB, i);
        }
        Assert.Equal(F(a.weight), F(b.weight));
        Assert.Equal(F(a.bias!), F(b.bias!));

        // Without the optimizer state the trajectories differ: the state matters, so the test can fail.
        using var c = nn.Linear(3, 2);
        manual_seed(0);
        using var ref0 = nn.Linear(3, 2);
        using var optRef = Make(kind, ref0.parameters());
        for (var i = 0; i < 3; i++) TrainStep(ref0, optRef, i);
        c.load_state_dict(ref0.state_dict());
        using var optC = Make(kind, c.parameters());
        for (var i = 3; i < 7; i++) TrainStep(c, optC, i);
        Assert.NotEqual(F(a.weight), F(c.weight));
    }

    [Fact]
    public void StateDict_IsACopy_LaterStepsDoNotChangeIt()
    {
        using var scope = NewDisposeScope();
        using var m = nn.Linear(3, 2);
        using var opt = optim.Adam(m.parameters());
        TrainStep(m, opt, 0);
        using var saved = opt.state_dict();
        var before = F(saved.Parameters[0].Tensors["exp_avg"]);
        TrainStep(m, opt, 1);
        Assert.Equal(before, F(saved.Parameters[0].Tensors["exp_avg"]));
        Assert.Equal(1, saved.Parameters[0].Step);
    }

    [Fact]
    public void LoadStateDict_FromOtherKindOrShape_ThrowsClearly()
    {
        using var scope = NewDisposeScope();
        using var m = nn.Linear(3, 2);
        using var other = nn.Linear(4, 2);
        using var adam = optim.Adam(m.parameters());
        using var adagrad = optim.Adagrad(m.parameters());
        using var adamOther = optim.Adam(other.parameters());
        using var s1 = adagrad.state_dict();
        Assert.Contains("saved by Adagrad", Assert.Throws<ArgumentException>(() => adam.load_state_dict(s1)).Message);
        using var s2 = adamOther.state_dict();
        Assert.Contains("shape", Assert.Throws<ArgumentException>(() => adam.load_state_dict(s2)).Message);
    }
}
