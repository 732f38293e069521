using static ActorCodistill.Torch.torch;

namespace ActorCodistill.Torch.Modules;

/// <summary>
/// PyTorch 1.13's Adagrad (dense gradients): g += wd*p; clr = lr / (1 + (t-1)*lr_decay); sum += g^2;
/// p -= clr * g / (sqrt(sum) + eps), with sum starting at initial_accumulator_value.
/// A sparse gradient (nn.Embedding(sparse: true)) updates only the rows it names, with the same per-element formula:
/// rows without gradient would not move under the dense step either. As in PyTorch, weight_decay with a sparse
/// gradient is refused (TorchException, before any parameter changes).
/// </summary>
public sealed class Adagrad : optim.Optimizer
{
    private readonly Tensor[] _sums;
    private readonly long[] _steps;

    public Adagrad(IEnumerable<Tensor> parameters, double lr = 1e-2, double lrDecay = 0, double weightDecay = 0,
        double initialAccumulatorValue = 0, double eps = 1e-10)
        : base(nameof(Adagrad), parameters, lr)
    {
        if (lrDecay < 0) throw new ArgumentOutOfRangeException(nameof(lrDecay), lrDecay, "Adagrad: lr_decay must be >= 0");
        if (weightDecay < 0) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "Adagrad: weight_decay must be >= 0");
        if (initialAccumulatorValue < 0)
            throw new ArgumentOutOfRangeException(nameof(initialAccumulatorValue), initialAccumulatorValue, "Adagrad: initial_accumulator_value must be >= 0");
        if (!(eps >= 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, "Adagrad: eps must be >= 0");
        LrDecay = lrDecay;
        WeightDecay = weightDecay;
        InitialAccumulatorValue = initialAccumulatorValue;
        Eps = eps;
        _sums = NewState(initialAccumulatorValue);
        _steps = new long[Count];
    }

    public double LrDecay { get; }
    public double WeightDecay { get; }
    public double InitialAccumulatorValue { get; }
    public double Eps { get; }

    public override void step()
    {
        var parameters = ParameterHandles("Adagrad.step");
        var status = NativeMethods.cdt_optim_adagrad_step(parameters, Handles(_sums, "Adagrad.step"), _steps, parameters.Length,
            LearningRate, LrDecay, WeightDecay, Eps);
        KeepParametersAlive();
        GC.KeepAlive(_sums);
        NativeMethods.Check(status, "Adagrad.step");
    }

    public override optim.OptimizerState state_dict()
    {
        var states = new List<optim.ParameterState>();
        for (var i = 0; i < Count; i++)
            states.Add(new optim.ParameterState(_steps[i], new Dictionary<string, Tensor> { ["sum"] = Save(_sums[i]) }));
        return new optim.OptimizerState(Name, Hyper(), states);
    }

    public override void load_state_dict(optim.OptimizerState state)
    {
        Validate(state, "sum");
        foreach (var (key, value) in Hyper())
            if (key != "lr" && (!state.Hyperparameters.TryGetValue(key, out var saved) || saved != value))
                throw new ArgumentException($"Adagrad.load_state_dict: saved {key} differs from this optimizer's {value}", nameof(state));
        for (var i = 0; i < Count; i++)
        {
            CopyInto(_sums[i], state.Parameters[i].Tensors["sum"]);
            _steps[i] = state.Parameters[i].Step;
        }
        LearningRate = state.Hyperparameters["lr"];
    }

    private Dictionary<string, double> Hyper() => new()
    {
        ["lr"] = LearningRate, ["lr_decay"] = LrDecay, ["weight_decay"] = WeightDecay,
        ["initial_accumulator_value"] = InitialAccumulatorValue, ["eps"] = Eps,
    };

    protected override void DisposeState()
    {
        foreach (var t in _sums) t.Dispose();
    }
}
