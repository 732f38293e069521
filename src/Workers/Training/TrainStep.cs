using TorchSharp;
using static TorchSharp.torch;

namespace ActorCodistill.Workers.Training;

/// <summary>Validation of one model: mean task loss and top-1 accuracy (NaN when there were no examples).</summary>
public sealed record ValidationResult(double Loss, double Accuracy);

/// <summary>Losses of one worker's step, as plain numbers for logs and metrics.</summary>
public sealed record StepLosses(double Loss, double TaskLoss, double DistillLoss, int Examples);

/// <summary>
/// The codistillation step of Algorithm 1 for one worker's minibatch, top to bottom:
/// student forward, task loss, (after burn-in) psi against the teachers' aggregated prediction,
/// backward. Gradients are left in the parameters for the group's allreduce; the optimizer step
/// happens after the allreduce so every member applies the same update.
/// </summary>
public static class TrainStep
{
    /// <param name="labelSmoothing">Epsilon of <see cref="JobSpec.LabelSmoothing"/>: the loss trains against (1 - epsilon) x the
    /// label + epsilon x uniform; the returned task loss is the plain one.</param>
    public static StepLosses ComputeGradients(ITaskModel student, object batch, Tensor? teacherTarget, DistillSpec distill, double labelSmoothing = 0)
    {
        using var scope = NewDisposeScope();
        student.Module.zero_grad();
        var logits = student.Forward(batch);
        var withTeacher = teacherTarget is not null && distill.Weight != 0;
        var task = student.TaskLoss(logits, batch);
        var loss = labelSmoothing == 0 ? task : SmoothedTaskLoss(task, logits, labelSmoothing, student.Mask(batch));
        double distillValue = 0;
        if (withTeacher)
        {
            var psi = Distillation.Psi(logits, teacherTarget!, distill.Loss, distill.Temperature, student.Mask(batch));
            distillValue = psi.item<float>();
            loss = loss.Plus(psi.Times(distill.Weight));
        }
        loss.backward();
        student.DetachState();
        return new StepLosses(loss.item<float>(), task.item<float>(), distillValue, (int)logits.shape[0]);
    }

    /// <summary>
    /// (1 - epsilon) x the task's cross-entropy + epsilon x the cross-entropy against the uniform distribution: the
    /// cross-entropy against the smoothed target, since cross-entropy is linear in its target (multi-class: uniform over
    /// the classes, as PyTorch's label_smoothing; binary: p = 0.5).
    /// </summary>
    public static Tensor SmoothedTaskLoss(Tensor task, Tensor logits, double epsilon, Tensor? mask = null)
    {
        var uniform = HeldScalars.FullLike(logits, logits.dim() == 1 ? 0.5 : 1.0 / logits.shape[^1]);
        var againstUniform = Distillation.Psi(logits, uniform, DistillLoss.CrossEntropy, 1.0, mask);
        return task.Times(1 - epsilon).Plus(againstUniform.Times(epsilon));
    }

    /// <summary>Mean task loss over validation batches, with a fresh carried state, under no_grad.</summary>
    public static double Evaluate(ITaskModel model, IEnumerable<object> batches) => Validate(model, batches).Loss;

    /// <summary>
    /// Mean task loss and top-1 accuracy over validation batches, with a fresh carried state, under no_grad. Accuracy
    /// comes from the model's <see cref="ITaskModel.Predictions"/>, so it needs nothing more from a task: an example is
    /// right when its true label's probability is the largest (ties count as right), a logistic output when p(true label)
    /// is at least 0.5 (LM: per token). With <paramref name="top1"/> and <paramref name="truth"/> it also appends each
    /// example's <see cref="ITaskModel.Predictions"/> to them, from the same pass (churn's prediction files).
    /// </summary>
    public static ValidationResult Validate(ITaskModel model, IEnumerable<object> batches, List<float>? top1 = null, List<float>? truth = null)
    {
        var wasTraining = model.Module.training;
        model.Module.eval();
        try
        {
            using var noGrad = no_grad();
            double total = 0;
            long examples = 0;
            long right = 0;
            long predicted = 0;
            foreach (var batch in batches)
            {
                using var scope = NewDisposeScope();
                var logits = model.Forward(batch);
                var n = logits.shape[0];
                total += model.TaskLoss(logits, batch).item<float>() * n;
                examples += n;
                var (first, probability) = model.Predictions(logits, batch);
                top1?.AddRange(first);
                truth?.AddRange(probability);
                if (model.BinaryOutput)
                    right += probability.Count(p => p >= 0.5f);
                else
                {
                    var top = logits.softmax(-1).max(-1).values.data<float>().ToArray();
                    for (var i = 0; i < probability.Length && i < top.Length; i++)
                        if (probability[i] >= top[i] * (1 - 1e-5f)) right++;
                }
                predicted += probability.Length;
            }
            return new ValidationResult(examples == 0 ? double.NaN : total / examples, predicted == 0 ? double.NaN : (double)right / predicted);
        }
        finally
        {
            model.Module.train(wasTraining);
        }
    }
}
