using System.Diagnostics;
using System.Threading.Channels;
using TorchSharp;
using ActorCodistill.Workers.Data;
using ActorCodistill.Workers.Training;
using static TorchSharp.torch;

namespace ActorCodistill.Bench.Codistill;

/// <summary>
/// (c): a 2-member group in one process, each member a thread with its own model, averaging gradients with
/// <see cref="RingAllreduce"/> over in-memory channels, the exchange driven by a thread-pool task so it makes
/// progress while the member thread computes. Three variants, rotated step by step on both members:
/// <list type="bullet">
/// <item><c>c0_group_baseline</c>: no teacher; gradients, allreduce (member waits), optimizer step.</item>
/// <item><c>c1_group_serial</c>: teacher forward for this batch first, then as c0.</item>
/// <item><c>c2_group_overlap</c>: gradients, start the allreduce, run the teacher forward for the next batch while
/// it travels, then wait for it, optimizer step (the worker's schedule, docs/training.md).</item>
/// </list>
/// A barrier opens every round (as the anchor's barrier before timed work); a step's time is the max over members.
/// </summary>
internal static class GroupBench
{
    private const int Members = 2;
    private static readonly string[] Variants = ["c0_group_baseline", "c1_group_serial", "c2_group_overlap"];

    public static StepStats[] Run(BenchOptions options, Action<string> log)
    {
        var stats = Variants.Select(v => new StepStats(v)).ToArray();
        // Per member and variant: step times etc., merged as max over members afterwards.
        var perMember = new StepStats[Members, Variants.Length];
        for (var m = 0; m < Members; m++)
            for (var v = 0; v < Variants.Length; v++)
                perMember[m, v] = new StepStats(Variants[v]);
        var inboxes = new Channel<RingChunk>[Members, Variants.Length];
        for (var m = 0; m < Members; m++)
            for (var v = 0; v < Variants.Length; v++)
                inboxes[m, v] = Channel.CreateUnbounded<RingChunk>(new UnboundedChannelOptions { SingleReader = true });

        var round = 0;
        var recording = false;
        var stop = false;
        var clock = new Stopwatch();
        using var barrier = new Barrier(Members, _ =>
        {
            // Runs once per round, on one member, while both wait: the only place the shared flags change.
            round++;
            if (round == options.Warmup + 1)
            {
                recording = true;
                clock.Start();
            }
            var timed = round - options.Warmup - 1;
            stop = recording && timed >= options.MinSteps && (clock.Elapsed.TotalSeconds >= options.Budget || timed >= options.MaxSteps);
        });
        Exception? failure = null;
        var threads = Enumerable.Range(0, Members).Select(rank => new Thread(() =>
        {
            try
            {
                torch.set_num_threads(options.Threads);
                log($"# group member {rank}: torch threads {torch.get_num_threads()} on its own thread");
                RunMember(rank, options, inboxes, perMember, barrier, () => (recording, stop));
            }
            catch (Exception e)
            {
                failure ??= e;
                barrier.RemoveParticipant();
            }
        }) { IsBackground = true, Name = $"member-{rank}" }).ToList();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        if (failure is not null) throw new InvalidOperationException("group member failed", failure);

        for (var v = 0; v < Variants.Length; v++)
        {
            var steps = perMember[0, v].StepMs.Count;
            for (var i = 0; i < steps; i++)
            {
                stats[v].StepMs.Add(Enumerable.Range(0, Members).Max(m => perMember[m, v].StepMs[i]));
                stats[v].WaitMs.Add(Enumerable.Range(0, Members).Max(m => perMember[m, v].WaitMs[i]));
                if (perMember[0, v].TeacherMs.Count > i) stats[v].TeacherMs.Add(Enumerable.Range(0, Members).Max(m => perMember[m, v].TeacherMs[i]));
            }
        }
        return stats;
    }

    private static void RunMember(int rank, BenchOptions options, Channel<RingChunk>[,] inboxes, StepStats[,] perMember,
        Barrier barrier, Func<(bool Recording, bool Stop)> flags)
    {
        var distill = DistillSpec.Default;
        // Same seed on both members: a group starts from identical weights.
        var workers = Variants.Select((_, v) => new DemoWorker(seed: 1, withTeacher: v > 0)).ToArray();
        var gradients = workers.Select(w => new float[w.Flat.Count]).ToArray();
        var prefetched = new (LmBatch Batch, Tensor? Target)?[Variants.Length];
        try
        {
            while (true)
            {
                barrier.SignalAndWait();
                var (recording, stop) = flags();
                if (stop) return;
                for (var v = 0; v < Variants.Length; v++)
                {
                    var w = workers[v];
                    var t0 = Stopwatch.GetTimestamp();
                    double teacher = 0;
                    LmBatch batch;
                    Tensor? target;
                    if (v == 2 && prefetched[v] is { } ready)
                    {
                        (batch, target) = ready;
                        prefetched[v] = null;
                    }
                    else
                    {
                        // c1 always, c2 only on its very first step (nothing prefetched yet, during warm-up).
                        batch = w.NextBatch();
                        var tt = Stopwatch.GetTimestamp();
                        target = w.Teachers.Predict(batch, distill);
                        teacher = Stopwatch.GetElapsedTime(tt).TotalMilliseconds;
                    }
                    TrainStep.ComputeGradients(w.Student, batch, target, distill);
                    target?.Dispose();
                    w.Flat.ExportGradients(gradients[v]);
                    var exchange = Exchange(rank, gradients[v], inboxes[rank, v], inboxes[(rank + 1) % Members, v]);
                    if (v == 2)
                    {
                        var tt = Stopwatch.GetTimestamp();
                        var next = w.NextBatch();
                        prefetched[v] = (next, w.Teachers.Predict(next, distill));
                        teacher = Stopwatch.GetElapsedTime(tt).TotalMilliseconds;
                    }
                    var tw = Stopwatch.GetTimestamp();
                    // Bounded, so a member that died leaves the other with an error instead of a hang.
                    if (!exchange.Wait(TimeSpan.FromSeconds(120))) throw new TimeoutException($"member {rank}: allreduce did not complete in 120 s");
                    var wait = Stopwatch.GetElapsedTime(tw).TotalMilliseconds;
                    w.Flat.ImportGradients(gradients[v]);
                    w.Optimizer.step();
                    if (!recording) continue;
                    perMember[rank, v].StepMs.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                    perMember[rank, v].WaitMs.Add(wait);
                    if (v > 0) perMember[rank, v].TeacherMs.Add(teacher);
                }
            }
        }
        finally
        {
            foreach (var p in prefetched) p?.Target?.Dispose();
            foreach (var w in workers) w.Dispose();
        }
    }

    /// <summary>The ring over in-memory channels; a pool task so it advances while the member thread computes.</summary>
    private static Task Exchange(int rank, float[] buffer, Channel<RingChunk> inbox, Channel<RingChunk> successor) => Task.Run(async () =>
    {
        var ring = new RingAllreduce(rank, Members, buffer, average: true);
        if (ring.Start() is { } first) successor.Writer.TryWrite(first);
        while (!ring.IsComplete)
        {
            var incoming = await inbox.Reader.ReadAsync().ConfigureAwait(false);
            if (ring.OnReceive(incoming) is { } next) successor.Writer.TryWrite(next);
        }
    });
}
