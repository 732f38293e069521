using ActorCodistill.Torch.Modules;
using static ActorCodistill.Torch.torch;
using static ActorCodistill.Torch.Tests.Nn.NnTestHelpers;

namespace ActorCodistill.Torch.Tests.Reference;

/// <summary>
/// Our LSTM language model against a PyTorch dump (Fixtures/make_lstm_lm_fixture.py, same libtorch): weights loaded
/// by state-dict name, same inputs and initial state; loss, logits, final state and every gradient must agree.
/// </summary>
[Trait("Category", "Unit")]
public class LstmLmReferenceTests
{
    private const double Rtol = 1e-5;

    private sealed class LstmLm : nn.Module
    {
        public readonly Embedding Embedding;
        public readonly LSTM Lstm;
        public readonly Linear Decoder;

        public LstmLm() : base(nameof(LstmLm))
        {
            Embedding = register_module("embedding", nn.Embedding(50, 16));
            Lstm = register_module("lstm", nn.LSTM(16, 24, numLayers: 2, batchFirst: true));
            Decoder = register_module("decoder", nn.Linear(24, 50));
        }
    }

    private static void AssertMatches(Fixture fixture, string name, Tensor actual)
    {
        Assert.Equal(fixture.Shape(name), actual.shape);
        var expected = D(fixture.Tensor(name));
        // Relative to each element, plus a floor relative to the tensor's scale for elements near zero.
        var scale = expected.Max(Math.Abs);
        AssertClose(expected, D(actual), Rtol, Rtol * scale * 1e-1, name);
    }

    [Fact]
    public void ForwardBackward_OnPyTorchWeights_MatchesLossStateAndGradients()
    {
        using var scope = NewDisposeScope();
        var fixture = Fixture.Load("lstm_lm.bin");
        using var model = new LstmLm();
        var state = fixture.Names.Where(n => n.StartsWith("param.", StringComparison.Ordinal))
            .ToDictionary(n => n["param.".Length..], fixture.Tensor);
        model.load_state_dict(state); // strict: the names map 1:1 onto PyTorch's

        var tokens = fixture.Tensor("input.tokens");
        var targets = fixture.Tensor("input.targets");
        var (hidden, (hn, cn)) = model.Lstm.forward(model.Embedding.forward(tokens), (fixture.Tensor("input.h0"), fixture.Tensor("input.c0")));
        var logits = model.Decoder.forward(hidden);
        var loss = nn.functional.cross_entropy(logits.reshape(-1, 50), targets.reshape(-1));
        loss.backward();

        AssertMatches(fixture, "output.loss", loss.reshape(1));
        AssertMatches(fixture, "output.logits", logits);
        AssertMatches(fixture, "output.hn", hn);
        AssertMatches(fixture, "output.cn", cn);
        var names = model.named_parameters().Select(p => p.name).ToArray();
        Assert.Equal(state.Keys, names);
        foreach (var (name, p) in model.named_parameters())
            AssertMatches(fixture, "grad." + name, p.grad!);
    }

    [Fact]
    public void Init_SameSeedAsPyTorch_DrawsTheSameWeights()
    {
        using var scope = NewDisposeScope();
        var fixture = Fixture.Load("lstm_lm.bin");
        manual_seed(1234); // the generator script's seed; PyTorch builds the same modules in the same order
        using var model = new LstmLm();
        foreach (var (name, p) in model.named_parameters())
            AssertClose(D(fixture.Tensor("param." + name)), D(p), 1e-6, 1e-7, name);
    }
}
