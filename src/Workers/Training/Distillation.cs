using TorchSharp;
using static TorchSharp.torch;

namespace ActorCodistill.Workers.Training;

/// <summary>The distillation term psi(teacher, student) of Algorithm 1.</summary>
public enum DistillLoss
{
    /// <summary>Cross-entropy with the teacher distribution as soft targets (the paper's choice).</summary>
    CrossEntropy,
    /// <summary>KL(teacher || student): cross-entropy minus the teacher's entropy; same gradient, reads as 0 at agreement.</summary>
    KlDivergence,
    /// <summary>Squared error between student logits and the teachers' mean logits.</summary>
    SquaredError,
}

/// <summary>
/// Loss math for codistillation, in one readable place. Numbers reach libtorch as held Scalars (<see cref="HeldScalars"/>). Shapes: student logits are [N, C] for C-way
/// classification (language model: N = batch x tokens) or [N] for a binary (logistic) output.
/// Normalisation everywhere: sum over classes, mean over (unmasked) examples. With a temperature T the
/// soft distributions are softmax(z / T) and the term is scaled by T^2 so its gradient keeps the same
/// magnitude as T changes (Hinton et al. 2015).
/// </summary>
public static class Distillation
{
    public static DistillLoss Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "cross-entropy" or "ce" => DistillLoss.CrossEntropy,
        "kl" or "kl-divergence" => DistillLoss.KlDivergence,
        "mse" or "squared-error" => DistillLoss.SquaredError,
        _ => throw new ArgumentException($"unknown distillation loss '{text}' (expected cross-entropy, kl or squared-error)"),
    };

    public static string Name(DistillLoss loss) => loss switch
    {
        DistillLoss.CrossEntropy => "cross-entropy",
        DistillLoss.KlDivergence => "kl",
        _ => "squared-error",
    };

    /// <summary>
    /// The aggregated label of Algorithm 1: the average over teachers of their predictive distributions
    /// (probabilities at temperature T) or, for squared error, of their logits. Call under no_grad.
    /// With one teacher and squared error the result is that teacher's logits tensor itself.
    /// </summary>
    public static Tensor TeacherTarget(IReadOnlyList<Tensor> teacherLogits, DistillLoss loss, double temperature)
    {
        if (teacherLogits.Count == 0) throw new ArgumentException("at least one teacher is needed", nameof(teacherLogits));
        // The common case (pairwise topology) skips a full pass dividing by 1.
        if (teacherLogits.Count == 1)
            return loss == DistillLoss.SquaredError ? teacherLogits[0] : Probabilities(teacherLogits[0], temperature);
        Tensor? sum = null;
        foreach (var logits in teacherLogits)
        {
            var term = loss == DistillLoss.SquaredError ? logits : Probabilities(logits, temperature);
            sum = sum is null ? term : sum.Plus(term);
        }
        return sum!.DividedBy(teacherLogits.Count);
    }

    /// <summary>psi(target, student): a scalar, mean over examples where <paramref name="mask"/> (float 0/1, [N]) is 1.</summary>
    public static Tensor Psi(Tensor studentLogits, Tensor teacherTarget, DistillLoss loss, double temperature, Tensor? mask = null)
    {
        var perExample = PerExample(studentLogits, teacherTarget, loss, temperature);
        if (mask is null) return perExample.mean();
        return (perExample * mask).sum() / mask.sum().AtLeast(1.0);
    }

    private static bool IsBinary(Tensor logits) => logits.dim() == 1;

    private static Tensor Probabilities(Tensor logits, double temperature)
    {
        var scaled = temperature == 1.0 ? logits : logits.DividedBy(temperature);
        return IsBinary(logits) ? scaled.sigmoid() : scaled.softmax(-1);
    }

    private static Tensor PerExample(Tensor student, Tensor target, DistillLoss loss, double temperature)
    {
        if (loss == DistillLoss.SquaredError)
        {
            var diff = student.Minus(target);
            var squared = diff * diff;
            return IsBinary(student) ? squared : squared.sum(-1);
        }

        var t2 = temperature * temperature;
        var scaled = temperature == 1.0 ? student : student.DividedBy(temperature);
        Tensor crossEntropy;
        if (IsBinary(student))
            crossEntropy = nn.functional.binary_cross_entropy_with_logits(scaled, target, reduction: nn.Reduction.None);
        else
            crossEntropy = -(target * scaled.log_softmax(-1)).sum(-1);
        if (loss == DistillLoss.CrossEntropy) return crossEntropy.Times(t2);

        // KL = cross-entropy - entropy(target); the entropy is constant w.r.t. the student.
        return crossEntropy.Minus(Entropy(target, IsBinary(student))).Times(t2);
    }

    private static Tensor Entropy(Tensor p, bool binary)
    {
        // Clamped logs: 0 * log 0 is taken as 0.
        const double tiny = 1e-12;
        if (!binary) return -(p * p.AtLeast(tiny).log()).sum(-1);
        var q = p.Subtracted(1.0);
        return -(p * p.AtLeast(tiny).log()).Plus(q * q.AtLeast(tiny).log());
    }
}
