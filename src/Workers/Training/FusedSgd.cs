using System.Numerics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ActorCodistill.Workers.Training;

/// <summary>
/// TorchSharp's SGD with the update for contiguous CPU float32 parameters done in one pass in managed SIMD code.
/// The formula is PyTorch's: <c>g += weight_decay * p</c>; with momentum, the buffer is g on the first step and
/// <c>momentum * buf + (1 - dampening) * g</c> after, and the step direction is the buffer (Nesterov: g + momentum *
/// buf); <c>p -= lr * direction</c> (maximize: +=). Parameters it cannot fuse take the same formula in libtorch kernels
/// with held Scalars (<see cref="HeldScalars"/>). State, options and checkpoints are TorchSharp's SGD's.
/// </summary>
public sealed class FusedSgd : SGD
{
    public FusedSgd(IEnumerable<Parameter> parameters, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0,
        bool nesterov = false, bool maximize = false)
        : base(parameters, lr, momentum, dampening, weightDecay, nesterov, maximize)
    {
    }

    public override Tensor step(Func<Tensor>? closure = null)
    {
        var loss = FusedSteps.Closure(closure);
        using var noGrad = no_grad();
        foreach (var group in ParamGroups.Cast<ParamGroup>())
        {
            var options = (Options)group.Options;
            var c = new Coefficients((float)options.LearningRate!.Value, (float)(options.momentum ?? 0), (float)(options.dampening ?? 0),
                (float)(options.weight_decay ?? 0), options.nesterov ?? false, options.maximize ?? false);
            foreach (var parameter in group.Parameters)
            {
                using var grad = parameter.grad;
                if (grad is null) continue;
                var state = (State)_state[parameter.Handle];
                var first = false;
                if (c.Momentum != 0 && state.momentum_buffer is null)
                {
                    state.momentum_buffer = zeros_like(parameter).DetachFromDisposeScope();
                    first = true;
                }
                var buffer = c.Momentum != 0 ? state.momentum_buffer : null;
                if (FusedSteps.Fusable(parameter) && FusedSteps.Fusable(grad) && (buffer is null || FusedSteps.Fusable(buffer)))
                    Update(FusedSteps.Floats(parameter), FusedSteps.Floats(grad), buffer is null ? [] : FusedSteps.Floats(buffer), first, c);
                else
                    Unfused(parameter, grad, buffer, first, options);
            }
        }
        return loss;
    }

    private static void Unfused(Parameter parameter, Tensor grad, Tensor? buffer, bool first, Options options)
    {
        using var scope = NewDisposeScope();
        var g = grad;
        var weightDecay = options.weight_decay ?? 0;
        if (weightDecay != 0) g = g.PlusScaled(parameter, weightDecay);
        if (buffer is not null)
        {
            var momentum = options.momentum!.Value;
            if (first) buffer.copy_(g);
            else
            {
                using var m = momentum.ToScalar();
                using var keep = (1 - (options.dampening ?? 0)).ToScalar();
                buffer.mul_(m).add_(g, keep);
            }
            g = options.nesterov ?? false ? g.PlusScaled(buffer, momentum) : buffer;
        }
        var lr = options.LearningRate!.Value;
        using var alpha = (options.maximize ?? false ? lr : -lr).ToScalar();
        parameter.add_(g, alpha);
    }

    /// <summary>The numbers of one step.</summary>
    public readonly record struct Coefficients(float LearningRate, float Momentum, float Dampening, float WeightDecay, bool Nesterov, bool Maximize);

    /// <summary>One step over a parameter's elements (<paramref name="buffer"/> empty without momentum); public for its tests.</summary>
    public static void Update(Span<float> p, ReadOnlySpan<float> g, Span<float> buffer, bool first, Coefficients c)
    {
        if (p.Length != g.Length || (c.Momentum != 0 && buffer.Length != p.Length))
            throw new ArgumentException($"parameter, gradient and momentum buffer differ in length ({p.Length}, {g.Length}, {buffer.Length})");
        var step = c.Maximize ? c.LearningRate : -c.LearningRate;
        var keep = 1 - c.Dampening;
        var width = Vector<float>.Count;
        var (vStep, vWd, vMomentum, vKeep) = (new Vector<float>(step), new Vector<float>(c.WeightDecay), new Vector<float>(c.Momentum), new Vector<float>(keep));
        var i = 0;
        for (; i + width <= p.Length; i += width)
        {
            var pv = new Vector<float>(p[i..]);
            var gv = new Vector<float>(g[i..]);
            if (c.WeightDecay != 0) gv += vWd * pv;
            if (c.Momentum != 0)
            {
                var bv = first ? gv : new Vector<float>(buffer[i..]) * vMomentum + vKeep * gv;
                bv.CopyTo(buffer[i..]);
                gv = c.Nesterov ? gv + vMomentum * bv : bv;
            }
            (pv + vStep * gv).CopyTo(p[i..]);
        }
        for (; i < p.Length; i++)
        {
            var gi = g[i];
            if (c.WeightDecay != 0) gi += c.WeightDecay * p[i];
            if (c.Momentum != 0)
            {
                var bi = first ? gi : buffer[i] * c.Momentum + keep * gi;
                buffer[i] = bi;
                gi = c.Nesterov ? gi + c.Momentum * bi : bi;
            }
            p[i] += step * gi;
        }
    }
}
