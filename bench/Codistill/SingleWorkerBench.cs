using System.Diagnostics;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Bench.Codistill;

/// <summary>
/// (a) and (b) in one worker, steps interleaved a, b, a, b, ... so load from other work on a shared host lands on
/// both alike. (a): ComputeGradients without a teacher, then the optimizer step. (b): the teacher's prediction for
/// the batch in the critical path (TeacherSet.Predict), then ComputeGradients against it, then the optimizer step.
/// </summary>
internal static class SingleWorkerBench
{
    public static (StepStats Baseline, StepStats Serial) Run(BenchOptions options)
    {
        using var a = new DemoWorker(seed: 1, withTeacher: false);
        using var b = new DemoWorker(seed: 1, withTeacher: true);
        var baseline = new StepStats("a_baseline");
        var serial = new StepStats("b_codistill_serial");
        var distill = DistillSpec.Default;

        void StepA(bool record)
        {
            var t0 = Stopwatch.GetTimestamp();
            TrainStep.ComputeGradients(a.Student, a.NextBatch(), null, distill);
            a.Optimizer.step();
            if (record) baseline.StepMs.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }

        void StepB(bool record)
        {
            var t0 = Stopwatch.GetTimestamp();
            var batch = b.NextBatch();
            using var target = b.Teachers.Predict(batch, distill);
            var teacher = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            TrainStep.ComputeGradients(b.Student, batch, target, distill);
            b.Optimizer.step();
            if (!record) return;
            serial.StepMs.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            serial.TeacherMs.Add(teacher);
        }

        for (var i = 0; i < options.Warmup; i++)
        {
            StepA(record: false);
            StepB(record: false);
        }
        var clock = Stopwatch.StartNew();
        while (baseline.StepMs.Count < options.MinSteps || (clock.Elapsed.TotalSeconds < options.Budget && baseline.StepMs.Count < options.MaxSteps))
        {
            StepA(record: true);
            StepB(record: true);
        }
        return (baseline, serial);
    }
}
