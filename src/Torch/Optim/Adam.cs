using static ActorCodistill.Torch.torch;

namespace ActorCodistill.Torch.Modules;

/// <summary>
/// PyTorch 1.13's Adam (amsgrad off): g += wd*p; m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
/// p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps), with eps outside the square root and t per parameter.
/// A sparse gradient (nn.Embedding(sparse: true)) is refused with a TorchException before any parameter changes,
/// as PyTorch's Adam refuses it.
/// </summary>
public sealed class Adam : optim.Optimizer
{
    private readonly Tensor[] _expAvg;
    private readonly Tensor[] _expAvgSq;
    private readonly long[] _steps;

    public Adam(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0)
        : base(nameof(Adam), parameters, lr)
    {
        if (beta1 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "Adam: beta1 must be in [0, 1)");
        if (beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "Adam: beta2 must be in [0, 1)");
        if (!(eps >= 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, "Adam: eps must be >= 0");
        if (weightDecay < 0) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "Adam: weight_decay must be >= 0");
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        WeightDecay = weightDecay;
        _expAvg = NewState(0);
        _expAvgSq = NewState(0);
        _steps = new long[Count];
    }

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }
    public double WeightDecay { get; }

    public override void step()
    {
        var parameters = ParameterHandles("Adam.step");
        var status = NativeMethods.cdt_optim_adam_step(parameters, Handles(_expAvg, "Adam.step"), Handles(_expAvgSq, "Adam.step"), _steps,
            parameters.Length, LearningRate, Beta1, Beta2, Eps, WeightDecay);
        KeepParametersAlive();
        GC.KeepAlive(_expAvg);
        GC.KeepAlive(_expAvgSq);
        NativeMethods.Check(status, "Adam.step");
    }

    public override optim.OptimizerState state_dict()
    {
        var states = new List<optim.ParameterState>();
        for (var i = 0; i < Count; i++)
            states.Add(new optim.ParameterState(_steps[i], new Dictionary<string, Tensor>
            {
                ["exp_avg"] = Save(_expAvg[i]), ["exp_avg_sq"] = Save(_expAvgSq[i]),
            }));
        return new optim.OptimizerState(Name, Hyper(), states);
    }

    public override void load_state_dict(optim.OptimizerState state)
    {
        Validate(state, "exp_avg", "exp_avg_sq");
        foreach (var (key, value) in Hyper())
            if (key != "lr" && (!state.Hyperparameters.TryGetValue(key, out var saved) || saved != value))
                throw new ArgumentException($"Adam.load_state_dict: saved {key} differs from this optimizer's {value}", nameof(state));
        for (var i = 0; i < Count; i++)
        {
            CopyInto(_expAvg[i], state.Parameters[i].Tensors["exp_avg"]);
            CopyInto(_expAvgSq[i], state.Parameters[i].Tensors["exp_avg_sq"]);
            _steps[i] = state.Parameters[i].Step;
        }
        LearningRate = state.Hyperparameters["lr"];
    }

    private Dictionary<string, double> Hyper() => new()
    {
        ["lr"] = LearningRate, ["beta1"] = Beta1, ["beta2"] = Beta2, ["eps"] = Eps, ["weight_decay"] = WeightDecay,
    };

    protected override void DisposeState()
    {
        foreach (var t in _expAvg) t.Dispose();
        foreach (var t in _expAvgSq) t.Dispose();
    }
}
