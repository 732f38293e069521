using System.Numerics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ActorCodistill.Workers.Training;

/// <summary>
/// TorchSharp's Adam with the update for contiguous CPU float32 parameters done in one pass over (parameter, gradient,
/// first moment, second moment) in managed SIMD code. The formula is TorchSharp's (PyTorch's):
/// <c>m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)</c>,
/// with <c>g += weight_decay * p</c> first and <c>g = -g</c> when maximizing. TorchSharp runs that as eight libtorch
/// kernels per parameter, each a pass over memory, and passes each number as an implicitly converted Scalar that the
/// finalizer may free while libtorch reads it (<see cref="HeldScalars"/>). AMSGrad, and parameters it cannot fuse
/// (another dtype or device, a sparse gradient), take TorchSharp's formula in libtorch kernels with held Scalars.
/// State, options and checkpoints are TorchSharp's Adam's.
/// </summary>
public sealed class FusedAdam : Adam
{
    public FusedAdam(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        double weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : base(parameters, lr, beta1, beta2, eps, weightDecay, amsgrad, maximize)
    {
    }

    public override Tensor step(Func<Tensor>? closure = null)
    {
        var loss = FusedSteps.Closure(closure);
        using var noGrad = no_grad();
        foreach (var group in ParamGroups.Cast<ParamGroup>())
        {
            var options = (Options)group.Options;
            var lr = options.LearningRate!.Value;
            var beta1 = options.beta1!.Value;
            var beta2 = options.beta2!.Value;
            var eps = options.eps!.Value;
            var weightDecay = options.weight_decay ?? 0;
            var amsgrad = options.amsgrad ?? false;
            var maximize = options.maximize ?? false;
            foreach (var parameter in group.Parameters)
            {
                using var grad = parameter.grad;
                if (grad is null) continue;
                var state = (State)_state[parameter.Handle];
                state.step += 1;
                var correction1 = 1 - Math.Pow(beta1, state.step);
                var correction2 = 1 - Math.Pow(beta2, state.step);
                var stepSize = lr / correction1;
                if (!amsgrad && FusedSteps.Fusable(parameter) && FusedSteps.Fusable(grad) && FusedSteps.Fusable(state.exp_avg) && FusedSteps.Fusable(state.exp_avg_sq))
                {
                    Update(FusedSteps.Floats(parameter), FusedSteps.Floats(grad), FusedSteps.Floats(state.exp_avg), FusedSteps.Floats(state.exp_avg_sq), new Coefficients(
                        (float)beta1, (float)(1 - beta1), (float)beta2, (float)(1 - beta2), (float)Math.Sqrt(correction2), (float)eps,
                        (float)stepSize, (float)weightDecay, maximize));
                    continue;
                }
                Unfused(parameter, grad, state, beta1, beta2, eps, weightDecay, amsgrad, maximize, correction2, stepSize);
            }
        }
        return loss;
    }

    // TorchSharp's formula in libtorch kernels, each number a held Scalar.
    private static void Unfused(Parameter parameter, Tensor grad, State state, double beta1, double beta2, double eps, double weightDecay,
        bool amsgrad, bool maximize, double correction2, double stepSize)
    {
        using var scope = NewDisposeScope();
        var g = maximize ? grad.neg() : grad;
        if (weightDecay != 0) g = g.PlusScaled(parameter, weightDecay);
        using (var b1 = beta1.ToScalar()) state.exp_avg.mul_(b1);
        using (var c1 = (1 - beta1).ToScalar()) state.exp_avg.add_(g, c1);
        using (var b2 = beta2.ToScalar()) state.exp_avg_sq.mul_(b2);
        using (var c2 = (1 - beta2).ToScalar()) state.exp_avg_sq.addcmul_(g, g, c2);
        Tensor second = state.exp_avg_sq;
        if (amsgrad)
        {
            var previous = state.max_exp_avg_sq;
            state.max_exp_avg_sq = maximum(previous, state.exp_avg_sq).DetachFromDisposeScope();
            previous.Dispose();
            second = state.max_exp_avg_sq;
        }
        var denominator = second.sqrt().DividedBy(Math.Sqrt(correction2)).PlusInPlace(eps);
        using var negStep = (-stepSize).ToScalar();
        parameter.addcdiv_(state.exp_avg, denominator, negStep);
    }

    /// <summary>The numbers of one step: betas, 1 - betas, sqrt(1 - beta2^t), eps, lr / (1 - beta1^t), weight decay.</summary>
    public readonly record struct Coefficients(float Beta1, float OneMinusBeta1, float Beta2, float OneMinusBeta2, float SqrtCorrection2,
        float Eps, float StepSize, float WeightDecay, bool Maximize);

    /// <summary>One step over a parameter's elements; public for its tests.</summary>
    public static void Update(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, Coefficients c)
    {
        if (p.Length != g.Length || p.Length != m.Length || p.Length != v.Length)
            throw new ArgumentException($"parameter, gradient and moments differ in length ({p.Length}, {g.Length}, {m.Length}, {v.Length})");
        var width = Vector<float>.Count;
        var sign = c.Maximize ? -1f : 1f;
        var (vSign, vWd) = (new Vector<float>(sign), new Vector<float>(c.WeightDecay));
        var (vB1, vC1, vB2, vC2) = (new Vector<float>(c.Beta1), new Vector<float>(c.OneMinusBeta1), new Vector<float>(c.Beta2), new Vector<float>(c.OneMinusBeta2));
        var (vSqrtC2, vEps, vStep) = (new Vector<float>(c.SqrtCorrection2), new Vector<float>(c.Eps), new Vector<float>(c.StepSize));
        var i = 0;
        for (; i + width <= p.Length; i += width)
        {
            var pv = new Vector<float>(p[i..]);
            var gv = new Vector<float>(g[i..]) * vSign;
            if (c.WeightDecay != 0) gv += vWd * pv;
            var mv = new Vector<float>(m[i..]) * vB1 + vC1 * gv;
            var vv = new Vector<float>(v[i..]) * vB2 + vC2 * (gv * gv);
            mv.CopyTo(m[i..]);
            vv.CopyTo(v[i..]);
            (pv - vStep * (mv / (Vector.SquareRoot(vv) / vSqrtC2 + vEps))).CopyTo(p[i..]);
        }
        for (; i < p.Length; i++)
        {
            var gi = g[i] * sign;
            if (c.WeightDecay != 0) gi += c.WeightDecay * p[i];
            var mi = m[i] * c.Beta1 + c.OneMinusBeta1 * gi;
            var vi = v[i] * c.Beta2 + c.OneMinusBeta2 * (gi * gi);
            m[i] = mi;
            v[i] = vi;
            p[i] -= c.StepSize * (mi / (MathF.Sqrt(vi) / c.SqrtCorrection2 + c.Eps));
        }
    }
}
