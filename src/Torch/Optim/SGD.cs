using static ActorCodistill.Torch.torch;

namespace ActorCodistill.Torch.Modules;

/// <summary>
/// PyTorch 1.13's SGD: d = g + wd*p; with momentum, buf = d on the first step, else momentum*buf + (1-dampening)*d;
/// d = nesterov ? d + momentum*buf : buf; p -= lr*d.
/// A sparse gradient (nn.Embedding(sparse: true)) updates only the rows it names when momentum and weight_decay are 0;
/// otherwise every row moves anyway and the gradient is densified for the step.
/// </summary>
public sealed class SGD : optim.Optimizer
{
    private readonly Tensor[]? _buffers;
    private readonly int[] _initialized;

    public SGD(IEnumerable<Tensor> parameters, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false)
        : base(nameof(SGD), parameters, lr)
    {
        if (momentum < 0) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "SGD: momentum must be >= 0");
        if (weightDecay < 0) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "SGD: weight_decay must be >= 0");
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException("SGD: nesterov needs momentum > 0 and dampening 0", nameof(nesterov));
        Momentum = momentum;
        Dampening = dampening;
        WeightDecay = weightDecay;
        Nesterov = nesterov;
        _initialized = new int[Count];
        if (momentum != 0) _buffers = NewState(0);
    }

    public double Momentum { get; }
    public double Dampening { get; }
    public double WeightDecay { get; }
    public bool Nesterov { get; }

    public override void step()
    {
        var parameters = ParameterHandles("SGD.step");
        var buffers = _buffers is null ? null : Handles(_buffers, "SGD.step");
        var status = NativeMethods.cdt_optim_sgd_step(parameters, buffers, _initialized, parameters.Length, LearningRate, Momentum,
            Dampening, WeightDecay, Nesterov ? 1 : 0);
        KeepParametersAlive();
        GC.KeepAlive(_buffers);
        NativeMethods.Check(status, "SGD.step");
    }

    public override optim.OptimizerState state_dict()
    {
        var states = new List<optim.ParameterState>();
        for (var i = 0; i < Count; i++)
        {
            var tensors = new Dictionary<string, Tensor>();
            if (_buffers is not null && _initialized[i] != 0) tensors["momentum_buffer"] = Save(_buffers[i]);
            states.Add(new optim.ParameterState(_initialized[i], tensors));
        }
        return new optim.OptimizerState(Name, Hyper(), states);
    }

    public override void load_state_dict(optim.OptimizerState state)
    {
        Validate(state);
        CheckHyper(state);
        for (var i = 0; i < Count; i++)
        {
            var has = state.Parameters[i].Tensors.TryGetValue("momentum_buffer", out var buffer);
            if (has && _buffers is null)
                throw new ArgumentException("SGD.load_state_dict: the state has momentum buffers but this SGD has momentum 0", nameof(state));
            if (has)
            {
                if (!buffer!.shape.SequenceEqual(Parameters[i].shape))
                    throw new ArgumentException($"SGD.load_state_dict: parameter {i} momentum_buffer shape does not match", nameof(state));
                CopyInto(_buffers![i], buffer);
            }
            _initialized[i] = has ? 1 : 0;
        }
        LearningRate = state.Hyperparameters["lr"];
    }

    private Dictionary<string, double> Hyper() => new()
    {
        ["lr"] = LearningRate, ["momentum"] = Momentum, ["dampening"] = Dampening, ["weight_decay"] = WeightDecay, ["nesterov"] = Nesterov ? 1 : 0,
    };

    private void CheckHyper(optim.OptimizerState state)
    {
        foreach (var (key, value) in Hyper())
            if (key != "lr" && (!state.Hyperparameters.TryGetValue(key, out var saved) || saved != value))
                throw new ArgumentException($"SGD.load_state_dict: saved {key} differs from this optimizer's {value}", nameof(state));
    }

    protected override void DisposeState()
    {
        if (_buffers is null) return;
        foreach (var b in _buffers) b.Dispose();
    }
}
