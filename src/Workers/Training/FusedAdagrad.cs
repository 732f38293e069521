using System.Numerics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ActorCodistill.Workers.Training;

/// <summary>
/// TorchSharp's Adagrad with the update for contiguous CPU float32 parameters done in one pass over (parameter,
/// gradient, sum) in managed SIMD code, row by row, skipping rows whose gradient is all zero. The formula is
/// TorchSharp's (PyTorch's): <c>sum += g*g; p += -clr * (g / (sqrt(sum) + eps))</c> with
/// <c>clr = lr / (1 + (step - 1) * lr_decay)</c>; a zero row leaves both p and sum exactly as they are, so skipping it
/// is the same step. TorchSharp runs that as four libtorch kernels over every element; for the click-through model's
/// embedding table (100,000 x 16 floats, of which a batch touches ~13,000 rows) that is most of the step.
/// State, checkpoints and everything else are TorchSharp's Adagrad's; parameters it cannot fuse (weight decay,
/// another dtype or device, a sparse gradient) take TorchSharp's formula in libtorch kernels for that parameter.
/// </summary>
public sealed class FusedAdagrad : Adagrad
{
    public FusedAdagrad(IEnumerable<Parameter> parameters, double lr = 0.01, double lrDecay = 0, double weightDecay = 0,
        double initialAccumulatorValue = 0, double eps = 1e-10)
        : base(parameters, lr, lrDecay, weightDecay, initialAccumulatorValue, eps)
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
            var lrDecay = options.lr_decay ?? 0;
            var weightDecay = options.weight_decay ?? 0;
            var eps = options.eps ?? 1e-10;
            foreach (var parameter in group.Parameters)
            {
                using var grad = parameter.grad;
                if (grad is null) continue;
                var state = (State)_state[parameter.Handle];
                state.step += 1;
                var clr = lr / (1 + (state.step - 1) * lrDecay);
                if (weightDecay == 0 && FusedSteps.Fusable(parameter) && FusedSteps.Fusable(grad) && FusedSteps.Fusable(state.sum))
                {
                    var row = parameter.dim() >= 2 ? (int)parameter.shape[^1] : (int)parameter.numel();
                    Update(FusedSteps.Floats(parameter), FusedSteps.Floats(grad), FusedSteps.Floats(state.sum), Math.Max(row, 1), (float)-clr, (float)eps);
                    continue;
                }
                // TorchSharp's formula for this parameter, with held Scalars (HeldScalars).
                using var scope = NewDisposeScope();
                var g = weightDecay != 0 ? grad.PlusScaled(parameter, weightDecay) : grad;
                using (var one = 1.0.ToScalar()) state.sum.addcmul_(g, g, one);
                var std = state.sum.sqrt().PlusInPlace(eps);
                using var negClr = (-clr).ToScalar();
                parameter.addcdiv_(g, std, negClr);
            }
        }
        return loss;
    }


    /// <summary>The update over rows of <paramref name="row"/> elements; public for its tests.</summary>
    public static void Update(Span<float> p, ReadOnlySpan<float> g, Span<float> sum, int row, float negClr, float eps)
    {
        if (p.Length != g.Length || p.Length != sum.Length)
            throw new ArgumentException($"parameter, gradient and sum differ in length ({p.Length}, {g.Length}, {sum.Length})");
        var width = Vector<float>.Count;
        var vNegClr = new Vector<float>(negClr);
        var vEps = new Vector<float>(eps);
        for (var start = 0; start < p.Length; start += row)
        {
            var n = Math.Min(row, p.Length - start);
            var gr = g.Slice(start, n);
            if (AllZero(gr)) continue;
            var pr = p.Slice(start, n);
            var sr = sum.Slice(start, n);
            var i = 0;
            for (; i + width <= n; i += width)
            {
                var gv = new Vector<float>(gr[i..]);
                var sv = new Vector<float>(sr[i..]) + gv * gv;
                sv.CopyTo(sr[i..]);
                var std = Vector.SquareRoot(sv) + vEps;
                (new Vector<float>(pr[i..]) + vNegClr * (gv / std)).CopyTo(pr[i..]);
            }
            for (; i < n; i++)
            {
                var s = sr[i] + gr[i] * gr[i];
                sr[i] = s;
                pr[i] += negClr * (gr[i] / (MathF.Sqrt(s) + eps));
            }
        }
    }

    private static bool AllZero(ReadOnlySpan<float> values)
    {
        var width = Vector<float>.Count;
        var i = 0;
        for (; i + width <= values.Length; i += width)
            if (!Vector.EqualsAll(new Vector<float>(values[i..]), Vector<float>.Zero)) return false;
        for (; i < values.Length; i++)
            if (values[i] != 0) return false;
        return true;
    }
}
