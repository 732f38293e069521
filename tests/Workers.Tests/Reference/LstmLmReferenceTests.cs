using ActorCodistill.Workers.Tests.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static ActorCodistill.Workers.Tests.Reference.Fixture;

namespace ActorCodistill.Workers.Tests.Reference;

/// <summary>
/// An LSTM language model built from TorchSharp modules as the product builds its own, against a PyTorch 1.13 dump
/// (Fixtures/make_lstm_lm_fixture.py): weights loaded by state-dict name, same inputs and initial state; loss, logits,
/// final state and every gradient must agree, and the same seed must draw the same initial weights. This pins what the
/// product relies on when it moves between PyTorch and TorchSharp: PyTorch's parameter names and order, its
/// initialisation, and its LSTM math (libtorch 2.10 here against 1.13 there).
/// </summary>
[Trait("Category", "Unit")]
[Collection(TorchGeneratorCollection.Name)]
public class LstmLmReferenceTests
{
    private const double Rtol = 1e-5;

    private sealed class LstmLm : nn.Module
    {
        // RegisterComponents names submodules after their fields: PyTorch's names.
        private readonly Embedding embedding;
        private readonly LSTM lstm;
        private readonly Linear decoder;

        public LstmLm() : base(nameof(LstmLm))
        {
            embedding = nn.Embedding(50, 16);
            lstm = nn.LSTM(16, 24, numLayers: 2, batchFirst: true);
            decoder = nn.Linear(24, 50);
            RegisterComponents();
        }

        public Embedding Embedding => embedding;
        public LSTM Lstm => lstm;
        public Linear Decoder => decoder;
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
        var (missing, unexpected) = model.load_state_dict(state, strict: true); // the names map 1:1 onto PyTorch's
        Assert.Empty(missing);
        Assert.Empty(unexpected);

        var tokens = fixture.Tensor("input.tokens");
        var targets = fixture.Tensor("input.targets");
        var (hidden, hn, cn) = model.Lstm.forward(model.Embedding.forward(tokens), (fixture.Tensor("input.h0"), fixture.Tensor("input.c0")));
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
