using ActorCodistill.Torch.Modules;
using static ActorCodistill.Torch.torch;
using static ActorCodistill.Torch.Tests.Nn.NnTestHelpers;

namespace ActorCodistill.Torch.Tests.Nn;

[Trait("Category", "Unit")]
public class ModuleTests
{
    private sealed class Tiny : nn.Module<Tensor, Tensor>
    {
        public readonly Embedding Emb;
        public readonly LSTM Lstm;
        public readonly Sequential Head;

        public Tiny() : base(nameof(Tiny))
        {
            Emb = register_module("emb", nn.Embedding(10, 3));
            Lstm = register_module("lstm", nn.LSTM(3, 4, numLayers: 2, batchFirst: true));
            Head = register_module("head", nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.LayerNorm(5)));
            register_buffer("offsets", arange(3));
        }

        public override Tensor forward(Tensor ids) => Head.forward(Lstm.forward(Emb.forward(ids)).output);
    }

    [Fact]
    public void NamedParameters_NestedModules_PyTorchDottedNamesInRegistrationOrder()
    {
        using var scope = NewDisposeScope();
        using var m = new Tiny();
        var names = m.named_parameters().Select(p => p.name).ToArray();
        Assert.Equal(new[]
        {
            "emb.weight",
            "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0",
            "lstm.weight_ih_l1", "lstm.weight_hh_l1", "lstm.bias_ih_l1", "lstm.bias_hh_l1",
            "head.0.weight", "head.0.bias", "head.2.weight", "head.2.bias",
        }, names);
        var shapes = m.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        Assert.Equal(new long[] { 16, 3 }, shapes["lstm.weight_ih_l0"]);
        Assert.Equal(new long[] { 16, 4 }, shapes["lstm.weight_hh_l1"]);
        Assert.Equal(new long[] { 5, 4 }, shapes["head.0.weight"]);
        Assert.Equal(new[] { "offsets" }, m.named_buffers().Select(b => b.name));
        Assert.Equal(new[] { "", "emb", "lstm", "head", "head.0", "head.1", "head.2" }, m.named_modules().Select(x => x.name));
        Assert.All(m.parameters(), p => Assert.True(p.requires_grad));
    }

    [Fact]
    public void StateDict_LoadedIntoDifferentlySeededModule_ReproducesOutputs()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var a = new Tiny();
        manual_seed(2);
        using var b = new Tiny();
        var ids = tensor(new long[] { 1, 2, 3, 4, 5, 6 }, new long[] { 2, 3 });
        Assert.NotEqual(F(a.forward(ids)), F(b.forward(ids)));

        var state = a.state_dict();
        Assert.Equal(a.named_parameters().Select(p => p.name).Append("offsets").OrderBy(x => x), state.Keys.OrderBy(x => x));
        var (missing, unexpected) = b.load_state_dict(state);
        Assert.Empty(missing);
        Assert.Empty(unexpected);
        Assert.Equal(F(a.forward(ids)), F(b.forward(ids)));
        // The state dict holds aliases: disposing it leaves the module usable.
        foreach (var t in state.Values) t.Dispose();
        Assert.Equal(F(a.forward(ids)), F(b.forward(ids)));
    }

    [Fact]
    public void LoadStateDict_WrongShapeOrMissingKey_ThrowsNamingTheKey()
    {
        using var scope = NewDisposeScope();
        using var m = nn.Linear(3, 2);
        var wrong = new Dictionary<string, Tensor> { ["weight"] = zeros(2, 4), ["bias"] = zeros(2) };
        var e1 = Assert.Throws<ArgumentException>(() => m.load_state_dict(wrong));
        Assert.Contains("'weight'", e1.Message);
        Assert.Contains("[2, 4]", e1.Message);

        var missing = new Dictionary<string, Tensor> { ["weight"] = zeros(2, 3) };
        var e2 = Assert.Throws<ArgumentException>(() => m.load_state_dict(missing));
        Assert.Contains("bias", e2.Message);
        var (miss, unexpected) = m.load_state_dict(missing, strict: false);
        Assert.Equal(new[] { "bias" }, miss);
        Assert.Empty(unexpected);
        Assert.All(F(m.weight), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void TrainEval_Dropout_DropsInTrainingAndIsIdentityInEval()
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        using var seq = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5));
        var dropout = (Dropout)seq[1];
        var x = ones(64, 4);
        Assert.True(seq.training);
        Assert.True(dropout.training);
        using (no_grad())
        {
            var lin = F(seq[0].forward(x));
            var train = F(seq.forward(x));
            var zeros = train.Count(v => v == 0f);
            Assert.InRange(zeros, 64, 192); // about half of 256
            for (var i = 0; i < train.Length; i++)
                if (train[i] != 0f) Assert.Equal(2 * lin[i], train[i], 5);

            seq.eval();
            Assert.False(dropout.training);
            Assert.Equal(lin, F(seq.forward(x)));
            seq.train();
            Assert.True(dropout.training);
        }
    }

    [Fact]
    public void Sequential_Forward_AppliesLayersInOrder()
    {
        using var scope = NewDisposeScope();
        using var seq = nn.Sequential(("first", nn.Linear(3, 3)), ("act", nn.ReLU()), ("second", nn.Linear(3, 2)));
        Assert.Equal(new[] { "first.weight", "first.bias", "second.weight", "second.bias" }, seq.named_parameters().Select(p => p.name));
        var x = randn(5, 3);
        var expected = F(seq[2].forward(seq[0].forward(x).relu()));
        var swapped = F(seq[2].forward(seq[0].forward(x)).relu());
        var actual = F(seq.forward(x));
        Assert.Equal(expected, actual);
        Assert.NotEqual(swapped, actual);
    }

    [Fact]
    public void Linear_Init_UniformWithinPyTorchBoundAndSeeded()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        using var a = nn.Linear(64, 32);
        manual_seed(7);
        using var b = nn.Linear(64, 32);
        var w = F(a.weight);
        var bound = 1 / Math.Sqrt(64);
        Assert.All(w, v => Assert.InRange(v, -bound, bound));
        Assert.True(w.Max() > 0.9 * bound && w.Min() < -0.9 * bound, "weights should fill the bound");
        Assert.Equal(w, F(b.weight));
        Assert.Equal(F(a.bias!), F(b.bias!));
    }

    [Fact]
    public void Embedding_Init_StandardNormal()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var e = nn.Embedding(1000, 20);
        var w = F(e.weight);
        var mean = w.Average();
        var std = Math.Sqrt(w.Select(v => (v - mean) * (v - mean)).Average());
        Assert.InRange(mean, -0.03, 0.03);
        Assert.InRange(std, 0.97, 1.03);
    }

    [Fact]
    public void ToFloat64_ConvertsInPlace_KeepingParameterIdentity()
    {
        using var scope = NewDisposeScope();
        using var m = nn.Linear(3, 2);
        var before = m.parameters().ToArray();
        var values = F(m.weight);
        m.to(ScalarType.Float64);
        Assert.Equal(before, m.parameters().ToArray());
        Assert.Equal(ScalarType.Float64, m.weight.dtype);
        Assert.True(m.weight.requires_grad);
        Assert.Equal(values.Select(v => (double)v).ToArray(), D(m.weight));
    }

    [Fact]
    public void RegisterParameter_DuplicateName_Throws()
    {
        using var scope = NewDisposeScope();
        using var m = nn.Linear(2, 2);
        var e = Assert.Throws<ArgumentException>(() => m.register_parameter("weight", nn.Parameter(zeros(1))));
        Assert.Contains("already registered", e.Message);
    }

    [Fact]
    public void ZeroGrad_AfterBackward_ZeroesOrDropsGradients()
    {
        using var scope = NewDisposeScope();
        using var m = nn.Linear(3, 1);
        m.forward(ones(2, 3)).sum().backward();
        Assert.NotNull(m.weight.grad);
        m.zero_grad();
        Assert.All(F(m.weight.grad!), v => Assert.Equal(0f, v));
        m.zero_grad(set_to_none: true);
        Assert.Null(m.weight.grad);
    }
}
