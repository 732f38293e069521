using Akka.Actor;
using ActorCodistill.Workers.Actors;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Tests.Job;

/// <summary>
/// Recovery that changes nothing in the numbers: a resumed job, a group rolled back to its checkpoint and a replacement
/// restored where the lost member was each give, in reload-mode exact, the loss bits of a run without the interruption
/// (docs/training.md, Recovery checkpoints). Each test fails without the piece of recovery state it is about.
/// </summary>
[Trait("Category", "Integration")]
public class ExactRecoveryTests
{
    // Every reported step of a run: group, step and the loss bits.
    private static List<(int Group, long Step, long Loss, long Task)> Bits(CapturingObserver observer) =>
        observer.Steps.Select(s => (s.Group, s.Step, BitConverter.DoubleToInt64Bits(s.Losses.Loss), BitConverter.DoubleToInt64Bits(s.Losses.TaskLoss)))
            .OrderBy(s => (s.Group, s.Step)).ToList();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AResumedJob_GoesOnFromItsCheckpoints_WithTheBitsOfAnUninterruptedRun(bool baseline)
    {
        // A run's state is every member's weights, optimizer state, data position and the LSTM state it carries between
        // batches (its own streams': 2 workers per group); with distillation also the teacher copies the group held, each
        // member's teacher replicas' carried state, and whether they had predicted the next batch. A first run ends
        // after step 10 with checkpoints of step 8; a second one on the same checkpoints goes on from there. Exact
        // reloads, so which copy each step uses does not depend on the pace.
        var spec = TinyJobs.Spec(steps: 16, baseline: baseline) with
        {
            Failures = FailureSpec.Default with { CheckpointInterval = 4 }, ReloadMode = ReloadMode.Exact,
        };
        var (_, uninterrupted, _) = TinyJobs.Run(spec);
        var checkpoints = new InMemoryGroupCheckpoints();
        var (_, first, _) = TinyJobs.Run(spec with { Steps = 10 }, checkpoints: checkpoints);
        // The first run is the uninterrupted one up to its end: the checkpoints come from the same states.
        Assert.Equal(Bits(uninterrupted).Where(s => s.Step <= 10), Bits(first));

        var (_, resumed, _) = TinyJobs.Run(spec, checkpoints: checkpoints);

        Assert.Equal(2, resumed.Events.Count(e => e.EndsWith("resuming from the recovery checkpoint of step 8", StringComparison.Ordinal)));
        var expected = Bits(uninterrupted).Where(s => s.Step > 8).ToList();
        Assert.Equal(16, expected.Count);
        Assert.Equal(expected, Bits(resumed));
        if (!baseline) Assert.All(resumed.Steps, s => Assert.True(s.DistillOn, $"group {s.Group} step {s.Step}: distillation off"));
    }

    [Fact]
    public void AResumedExactJob_WhoseGroupsCheckpointedDifferentSteps_ResumesEveryGroupFromTheNewestStepAllHave()
    {
        // Group 0 also holds a checkpoint "of step 12" (its step-8 state under another step, so loading it would change
        // the bits): in reload-mode exact both groups resume from step 8, the newest step both have, and the run has the
        // bits of an uninterrupted one. Resumed from 12, group 0 would not send its copies of steps 8 again.
        var spec = TinyJobs.Spec(steps: 16) with { Failures = FailureSpec.Default with { CheckpointInterval = 4 }, ReloadMode = ReloadMode.Exact };
        var (_, uninterrupted, _) = TinyJobs.Run(spec);
        var checkpoints = new InMemoryGroupCheckpoints();
        var (_, first, _) = TinyJobs.Run(spec with { Steps = 10 }, checkpoints: checkpoints);
        // The first run is the uninterrupted one up to its end: the checkpoints come from the same states.
        Assert.Equal(Bits(uninterrupted).Where(s => s.Step <= 10), Bits(first));
        checkpoints.Save(checkpoints.LoadLatest(0)! with { Step = 12 });

        var (_, resumed, _) = TinyJobs.Run(spec, checkpoints: checkpoints);

        Assert.Contains("0@8: resuming from the recovery checkpoint of step 8 (the newest step every group has one of; its own newest is of step 12)",
            resumed.Events);
        Assert.Contains("1@8: resuming from the recovery checkpoint of step 8", resumed.Events);
        Assert.Equal(Bits(uninterrupted).Where(s => s.Step > 8), Bits(resumed));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AReplacementInAGroupThatPausesForIt_IsRestoredWhereTheLostMemberWas_AndTheRunKeepsItsBits(bool baseline)
    {
        // min-workers-per-group = 2 of 2: slot 1 of group 1 fails at the start of step 11, the group pauses, and the
        // replacement is restored from slot 0 (weights, optimizer state) plus what slot 1 reported after step 10 (its
        // streams' LSTM state and its teacher replicas, StepRecovery). The retried step 11 and every later one have the
        // bits of the run without the failure.
        var spec = TinyJobs.Spec(steps: 16, baseline: baseline) with
        {
            Failures = FailureSpec.Default with { MinWorkersPerGroup = 2 }, ReloadMode = ReloadMode.Exact,
        };
        var (_, clean, _) = TinyJobs.Run(spec);
        var (_, failed, _) = TinyJobs.Run(spec, new FaultInjection(group: 1, rank: 1, step: 11));

        Assert.Contains(failed.Events, e => e.StartsWith("1@11: regrouped with slots [0,1] (1 restored); step 11 is retried", StringComparison.Ordinal));
        Assert.Equal(Bits(clean), Bits(failed));
    }

    [Fact]
    public void AResumeWithAnotherBatchSize_StartsTheCarriedStatesFromZeros_InsteadOfFailingItsWorkers()
    {
        // The checkpoints of step 8 carry LSTM states of 4 streams; the resumed job draws batches of 6.
        var spec = TinyJobs.Spec(steps: 16) with { Failures = FailureSpec.Default with { CheckpointInterval = 4 }, ReloadMode = ReloadMode.Exact };
        var checkpoints = new InMemoryGroupCheckpoints();
        TinyJobs.Run(spec with { Steps = 10 }, checkpoints: checkpoints);
        Assert.Equal(2 * 2 * 32 * 4, checkpoints.LoadLatest(0)!.Members![0].Carried!.Length);

        var (_, resumed, _) = TinyJobs.Run(spec with { Data = spec.Data with { BatchSize = 6 } }, checkpoints: checkpoints);

        Assert.DoesNotContain(resumed.Events, e => e.Contains("failed", StringComparison.Ordinal));
        foreach (var g in new[] { 0, 1 })
            Assert.Equal(Enumerable.Range(9, 8).Select(i => (long)i), resumed.Steps.Where(s => s.Group == g).Select(s => s.Step));
        Assert.All(resumed.Steps, s => Assert.True(double.IsFinite(s.Losses.Loss) && s.DistillOn));
    }

    [Theory]
    [InlineData(true, 15)]
    [InlineData(false, 15)]
    [InlineData(false, 9)]
    public void ARolledBackGroup_ReRunsTheStepsAfterItsCheckpoint_WithTheBitsTheyFirstHad(bool baseline, int failAt)
    {
        // Group 1's only worker fails in step 15: its replacement restores the checkpoint of step 8 (weights, optimizer
        // state, the LSTM's carried state, and with distillation the teacher replicas) and re-runs 9-18. At boundaries 9
        // and 13 it re-loads the copies it loaded the first time (group 0 has long sent them; the one of step 12 only the
        // group's own history still holds). Every run of a step has the same bits as a run without the failure.
        // Failing in step 9, the step right after the checkpoint, the group plans that step again from the checkpoint's
        // copies instead of resending its plan, which named the copy loaded at boundary 9.
        var spec = TinyJobs.Spec(steps: 18, workers: 1, baseline: baseline) with
        {
            Failures = FailureSpec.Default with { CheckpointInterval = 8 }, ReloadMode = ReloadMode.Exact,
        };
        var (_, clean, _) = TinyJobs.Run(spec);
        var (_, failed, _) = TinyJobs.Run(spec, new FaultInjection(group: 1, rank: 0, step: failAt), checkpoints: new InMemoryGroupCheckpoints());

        var first = Bits(clean).ToDictionary(s => (s.Group, s.Step));
        var runs = Bits(failed);
        Assert.Equal(Enumerable.Range(1, failAt - 1).Concat(Enumerable.Range(9, 10)).Select(i => (long)i), failed.Steps.Where(s => s.Group == 1).Select(s => s.Step));
        Assert.Equal(18 + failAt - 1 + 10, runs.Count);
        Assert.All(runs, s => Assert.True(first[(s.Group, s.Step)] == s, $"group {s.Group} step {s.Step}: loss bits differ from the clean run's"));
        Assert.DoesNotContain(failed.Events, e => e.Contains("no longer reproducible", StringComparison.Ordinal));
    }

    /// <summary>
    /// Workers as top-level actors (as remote ones are: not children of their group), so that a test can lose them all
    /// at once, as when every worker node is killed; replacements of slot 0 come at once, those of the other slots
    /// <paramref name="laterSlotsAfter"/> later (the nodes come back one after another), or never (infinite).
    /// </summary>
    private sealed class NodesPlacement(TimeSpan laterSlotsAfter) : IWorkerPlacement
    {
        private readonly List<IActorRef> _workers = [];
        private ActorSystem? _system;
        private int _killed;

        public void Place(IActorContext groupContext, JobSpec spec, int group, int slot, int generation)
        {
            var system = groupContext.System;
            var groupRef = groupContext.Self;
            void Create()
            {
                var worker = system.ActorOf(WorkerActor.Props(spec, group, slot, generation, groupRef), $"worker-{group}-{slot}-{generation}");
                lock (_workers)
                {
                    _system = system;
                    _workers.Add(worker);
                }
            }
            if (generation == 0 || slot == 0) Create();
            else if (laterSlotsAfter != Timeout.InfiniteTimeSpan) Task.Delay(laterSlotsAfter).ContinueWith(_ => Create(), TaskScheduler.Default);
        }

        public void Release(IActorContext groupContext, IActorRef worker, int group, int slot, string reason) => groupContext.System.Stop(worker);

        /// <summary>Stops every worker placed so far, once.</summary>
        public void KillEveryWorker()
        {
            if (Interlocked.Exchange(ref _killed, 1) != 0) return;
            lock (_workers)
                foreach (var w in _workers)
                    _system!.Stop(w);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EveryWorkerOfEveryGroupLost_TheGroupsRollBackToTheirCheckpoints_AndEveryRedoneStepHasTheBitsItFirstHad(bool baseline)
    {
        // Issue 19, finding 5 (kill -9 of both worker nodes): every worker of both groups (2 each) is lost after group 0
        // has reported step 10; the checkpoints are of step 8. Slot 0's replacements come at once, slot 1's 1.5 s later.
        // Each group restores every slot from its checkpoint (each its own carried LSTM state and teacher replicas) only
        // when both slots have a worker again: it used to go on as soon as slot 0's replacement was ready (min-workers-
        // per-group 1), so the redone step 9 ran on slot 0's shard alone (another loss, another gradient) and slot 1's
        // replacement joined later from slot 0's state with zeros for its streams.
        var spec = TinyJobs.Spec(steps: 18, baseline: baseline) with
        {
            Failures = FailureSpec.Default with { CheckpointInterval = 8 }, ReloadMode = ReloadMode.Exact,
        };
        var (_, clean, _) = TinyJobs.Run(spec);
        var placement = new NodesPlacement(TimeSpan.FromSeconds(1.5));
        var reached = new bool[2];
        var (_, failed, _) = TinyJobs.Run(spec, checkpoints: new InMemoryGroupCheckpoints(), placement: placement,
            during: (_, step) =>
            {
                // Once both groups are past their checkpoints of step 8 (in a baseline one may be further on: 16).
                if (step.Step >= 10) reached[step.Group] = true;
                if (reached[0] && reached[1]) placement.KillEveryWorker();
            });

        var first = Bits(clean).ToDictionary(s => (s.Group, s.Step));
        Assert.All(Bits(failed), s => Assert.True(first[(s.Group, s.Step)] == s, $"group {s.Group} step {s.Step}: loss bits differ from the clean run's"));
        Assert.All(failed.Steps, s => Assert.Equal(2, s.Members));
        var rolledBack = 0;
        foreach (var g in new[] { 0, 1 })
        {
            // In a baseline a group runs at its own pace and may have finished before the other reached step 10.
            if (baseline && !failed.Events.Any(e => e.StartsWith($"{g}@", StringComparison.Ordinal) && e.Contains(" failed at step ", StringComparison.Ordinal)))
                continue;
            rolledBack++;
            var rollback = Assert.Single(failed.Events, e => e.StartsWith($"{g}@", StringComparison.Ordinal) &&
                                                             e.Contains(" to the recovery checkpoint of step ", StringComparison.Ordinal));
            var from = long.Parse(rollback[(rollback.LastIndexOf(' ') + 1)..]);
            Assert.True(from >= 8, rollback);
            Assert.Contains(failed.Events, e => e.StartsWith($"{g}@", StringComparison.Ordinal) &&
                                                e.Contains($"waiting for slot(s) [1] too, to restore every slot from the recovery checkpoint of step {from}", StringComparison.Ordinal));
            // After the rollback, every step from the checkpoint's to the end, once.
            var steps = failed.Steps.Where(s => s.Group == g).Select(s => s.Step).ToList();
            var redone = steps.FindLastIndex(s => s == from + 1);
            Assert.Equal(Enumerable.Range((int)from + 1, 18 - (int)from).Select(i => (long)i), steps.Skip(redone));
        }
        Assert.True(baseline ? rolledBack >= 1 : rolledBack == 2, string.Join("\n", failed.Events));
        Assert.DoesNotContain(failed.Events, e => e.Contains("this run is no longer reproducible", StringComparison.Ordinal));
    }

    [Fact]
    public void EveryWorkerLost_AndASlotThatGetsNoReplacement_IsWaitedForAtMostStepTimeout_ThenTheGroupGoesOnSayingSo()
    {
        // As above, but slot 1's replacements never come (its node stays away): each group waits step-timeout (2 s) for
        // it, then restores slot 0 alone from the checkpoint and finishes, with a warning that the run is no longer
        // reproducible.
        var spec = TinyJobs.Spec(steps: 14) with
        {
            Failures = FailureSpec.Default with { CheckpointInterval = 8, StepTimeout = TimeSpan.FromSeconds(2) }, ReloadMode = ReloadMode.Exact,
        };
        var placement = new NodesPlacement(Timeout.InfiniteTimeSpan);
        var reached = new bool[2];
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var (_, failed, _) = TinyJobs.Run(spec, checkpoints: new InMemoryGroupCheckpoints(), placement: placement,
            during: (_, step) =>
            {
                if (step.Step >= 10) reached[step.Group] = true;
                if (reached[0] && reached[1]) placement.KillEveryWorker();
            });

        foreach (var g in new[] { 0, 1 })
        {
            Assert.Contains(failed.Events, e => e.StartsWith($"{g}@", StringComparison.Ordinal) &&
                                                e.Contains("waiting for slot(s) [1] too, to restore every slot from the recovery checkpoint of step 8 (at most step-timeout 2s)", StringComparison.Ordinal));
            Assert.Contains(failed.Events, e => e.StartsWith($"{g}@", StringComparison.Ordinal) &&
                                                e.Contains("slot(s) [1] still have no worker, step-timeout 2s after 1 of 2 replacements were ready: going on without them", StringComparison.Ordinal) &&
                                                e.EndsWith("this run is no longer reproducible)", StringComparison.Ordinal));
            Assert.Contains(failed.Events, e => e.StartsWith($"{g}@", StringComparison.Ordinal) && e.Contains("to the recovery checkpoint of step 8", StringComparison.Ordinal));
            var after = failed.Steps.Where(s => s.Group == g).SkipWhile(s => s.Members == 2).ToList();
            Assert.Equal(Enumerable.Range(9, 6).Select(i => (long)i), after.Select(s => s.Step));
            Assert.All(after, s => Assert.Equal(1, s.Members));
        }
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromSeconds(2), $"{stopwatch.Elapsed}");
    }
}
