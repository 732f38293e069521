using TorchSharp;
using static TorchSharp.torch;

namespace ActorCodistill.Workers.Training;

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
    public static StepLosses ComputeGradients(ITaskModel student, object batch, Tensor? teacherTarget, DistillSpec distill)
    {
        using var scope = NewDisposeScope();
        student.Module.zero_grad();
        var logits = student.Forward(batch);
        var withTeacher = teacherTarget is not null && distill.Weight != 0;
        var task = student.TaskLoss(logits, batch);
        var loss = task;
        double distillValue = 0;
        if (withTeacher)
        {
            var psi = Distillation.Psi(logits, teacherTarget!, distill.Loss, distill.Temperature, student.Mask(batch));
            distillValue = psi.item<float>();
            loss = task + psi * distill.Weight;
        }
        loss.backward();
        student.DetachState();
        return new StepLosses(loss.item<float>(), task.item<float>(), distillValue, (int)logits.shape[0]);
    }

    /// <summary>Mean task loss over validation batches, with a fresh carried state, under no_grad.</summary>
    public static double Evaluate(ITaskModel model, IEnumerable<object> batches)
    {
        var wasTraining = model.Module.training;
        model.Module.eval();
        try
        {
            using var noGrad = no_grad();
            double total = 0;
            long examples = 0;
            foreach (var batch in batches)
            {
                using var scope = NewDisposeScope();
                var logits = model.Forward(batch);
                var n = logits.shape[0];
                total += model.TaskLoss(logits, batch).item<float>() * n;
                examples += n;
            }
            return examples == 0 ? double.NaN : total / examples;
        }
        finally
        {
            model.Module.train(wasTraining);
        }
    }
}
