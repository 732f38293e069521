using System.Diagnostics;
using ActorCodistill.Workers.Training;
using static ActorCodistill.Torch.torch;
using F = ActorCodistill.Torch.torch.nn.functional;

namespace ActorCodistill.Bench.Codistill;

/// <summary>
/// The loss part of the step alone, forward + backward on random logits of the demo's shape (16 x 32 tokens = 512 rows,
/// vocabulary 2048), with the demo's cross-entropy psi at T = 1: the unfused cross_entropy + Distillation.Psi against
/// the fused codistill_cross_entropy, and the same for the task loss alone (burn-in / no teacher). Variants run
/// interleaved, in a rotating order, so load from other work on a shared host lands on all alike.
/// </summary>
internal static class LossBench
{
    public const int Rows = DemoWorker.BatchSize * DemoWorker.Window;

    public static IReadOnlyList<StepStats> Run(BenchOptions options)
    {
        manual_seed(3);
        using var z = (randn(Rows, DemoWorker.Spec.VocabSize) * 2.0).requires_grad_();
        using var t = randint(0, DemoWorker.Spec.VocabSize, [Rows]);
        using var q = randn(Rows, DemoWorker.Spec.VocabSize).softmax(-1);
        var distill = DistillSpec.Default;

        var variants = new (StepStats Stats, Action Step)[]
        {
            (new StepStats("loss_unfused"), () =>
            {
                var task = F.cross_entropy(z, t);
                var psi = Distillation.Psi(z, q, distill.Loss, distill.Temperature);
                (task + psi * distill.Weight).backward();
            }),
            (new StepStats("loss_fused"), () =>
            {
                var (task, psi) = F.codistill_cross_entropy(z, t, q, distill.Temperature);
                (task + psi * distill.Weight).backward();
            }),
            (new StepStats("task_unfused"), () => F.cross_entropy(z, t).backward()),
            (new StepStats("task_fused"), () => F.codistill_cross_entropy(z, t, null).Task.backward()),
        };

        void Time(StepStats stats, Action step, bool record)
        {
            using var scope = NewDisposeScope();
            var t0 = Stopwatch.GetTimestamp();
            z.grad = null;
            step();
            if (record) stats.StepMs.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }

        for (var i = 0; i < options.Warmup; i++)
            foreach (var (stats, step) in variants) Time(stats, step, record: false);
        var clock = Stopwatch.StartNew();
        var first = variants[0].Stats.StepMs;
        // Each round starts from the next variant, so none always runs right after the same neighbour.
        for (var round = 0; first.Count < options.MinSteps || (clock.Elapsed.TotalSeconds < options.Budget && first.Count < options.MaxSteps); round++)
            for (var k = 0; k < variants.Length; k++)
            {
                var (stats, step) = variants[(round + k) % variants.Length];
                Time(stats, step, record: true);
            }
        return variants.Select(v => v.Stats).ToArray();
    }
}
