using Akka.Actor;
using ActorCodistill.Coordinator.Job;
using ActorCodistill.Workers.Actors;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Tests.Job;

[Trait("Category", "Integration")]
public class EmbeddedJobTests
{
    [Fact]
    public void TinyCodistillationRun_ValidationLossIsFiniteAndFalls_AndDistillationStartsAfterBurnIn()
    {
        var spec = TinyJobs.Spec();
        var (completed, observer, journal) = TinyJobs.Run(spec);

        for (var g = 0; g < spec.Groups; g++)
        {
            var steps = observer.Steps.Where(s => s.Group == g).OrderBy(s => s.Step).ToList();
            Assert.Equal(Enumerable.Range(1, (int)spec.Steps).Select(i => (long)i), steps.Select(s => s.Step));
            var evals = steps.Where(s => s.ValidationLoss is not null).Select(s => s.ValidationLoss!.Value).ToList();
            Assert.True(evals.Count >= 3);
            Assert.All(evals, v => Assert.True(double.IsFinite(v)));
            Assert.True(evals[^1] < evals[0], $"group {g}: validation loss did not fall: {string.Join(", ", evals)}");
            Assert.All(steps.Where(s => s.Step <= spec.BurnInSteps), s => Assert.False(s.DistillOn));
            // Distillation switches on at the first step after burn-in at which the group holds a teacher copy.
            var firstWithTeacher = steps.First(s => s.Step > spec.BurnInSteps && s.TeacherAges.Count > 0).Step;
            Assert.Equal(firstWithTeacher, steps.First(s => s.DistillOn).Step);
            Assert.All(steps.Where(s => s.Step >= firstWithTeacher), s => Assert.True(s.DistillOn));
            Assert.All(steps.Where(s => s.DistillOn), s => Assert.True(s.Losses.DistillLoss > 0));
        }
        Assert.True(completed.CheckpointBytes > 0);
        Assert.True(completed.AllreduceBytes > 0);
        Assert.Contains(journal.Load("job-1"), e => e is DistillationEnabled);
        Assert.IsType<JobFinished>(journal.Load("job-1")[^1]);
    }

    [Fact]
    public void TeacherCopies_AreReloadedOnlyAtReloadBoundaries_AndAgeOneStepPerStep()
    {
        var spec = TinyJobs.Spec(steps: 28, reload: 4);
        var (_, observer, _) = TinyJobs.Run(spec);

        foreach (var g in new[] { 0, 1 })
        {
            var steps = observer.Steps.Where(s => s.Group == g).OrderBy(s => s.Step).ToList();
            long? previousAge = null;
            var reloads = 0;
            foreach (var s in steps)
            {
                var age = s.TeacherAges.TryGetValue(1 - g, out var a) ? a : (long?)null;
                if (age is not null && (previousAge is null || age < previousAge + 1))
                {
                    reloads++;
                    Assert.True((s.Step - 1) % spec.ReloadInterval == 0, $"group {g} got a new teacher copy at step {s.Step}, not a boundary");
                    Assert.Equal(0, (s.Step - age.Value) % spec.ReloadInterval); // copies are taken at multiples of K
                }
                else if (age is not null)
                {
                    Assert.Equal(previousAge + 1, age);
                }
                previousAge = age;
            }
            Assert.True(reloads >= 2, $"group {g} reloaded its teacher {reloads} times");
        }
    }

    [Fact]
    public void ExactReloads_AGroupHeldUpInOneRun_BothRunsGiveTheSameBits_AndNewestModeDoesNot()
    {
        // reload-mode exact: at boundary s a group loads the copy its teacher group took after step s - 1, waiting for
        // it. So holding group 1 up for 1.5 s in one run changes no bit of any loss; in newest mode the same hold-up
        // lets group 0 run ahead, and group 1 then loads whatever copy is newest.
        var spec = TinyJobs.Spec(steps: 28, reload: 4) with { ReloadMode = ReloadMode.Exact };
        var holdUp = () => new FaultInjection(group: 1, rank: 0, step: 9, hang: TimeSpan.FromSeconds(1.5));
        var steady = TinyJobs.Run(spec).Observer;
        var heldUp = TinyJobs.Run(spec, holdUp()).Observer;

        Assert.Equal(56, steady.Steps.Count);
        Assert.Equal(TinyJobs.Trace(steady), TinyJobs.Trace(heldUp));
        // The ages show which copies were used: from step K + 1 on, the copy of the step before the last boundary.
        foreach (var s in steady.Steps.Where(s => s.Step > spec.ReloadInterval))
            Assert.Equal(ExactAge(s.Step, spec.ReloadInterval), s.TeacherAges[1 - s.Group]);
        Assert.DoesNotContain(heldUp.Events, e => e.Contains("no longer reproducible"));

        var newest = TinyJobs.Run(spec with { ReloadMode = ReloadMode.Newest }, holdUp()).Observer;
        Assert.Contains(newest.Steps, s => s.Step > spec.ReloadInterval && s.TeacherAges.TryGetValue(1 - s.Group, out var age) &&
                                           age != ExactAge(s.Step, spec.ReloadInterval));
    }

    private static long ExactAge(long step, long reloadInterval) => TinyJobs.ExactAge(step, reloadInterval);

    [Fact]
    public void ExactReloads_AGroupThatStartsLate_LoadsNoCopyAtItsFirstBoundary_AndGivesTheSameBits()
    {
        // Group 1's workers are placed 1.5 s late: group 0 has run to its boundary of step 5 and sent its copy of step 4
        // by the time group 1 begins step 1. Boundary 1 has no copy of step 0 to load, so group 1 loads nothing there
        // (it used to load the newest that had come, reporting ages of -3, -2, -1 for steps 1-3: found in CI when the
        // test classes ran side by side on a fast host).
        var spec = TinyJobs.Spec(steps: 16, reload: 4) with { ReloadMode = ReloadMode.Exact };
        var steady = TinyJobs.Run(spec).Observer;
        var late = TinyJobs.Run(spec, placement: new LateStart(new ChildPlacement(), group: 1, TimeSpan.FromSeconds(1.5))).Observer;

        Assert.Equal(TinyJobs.Trace(steady), TinyJobs.Trace(late));
        Assert.All(late.Steps.Where(s => s.Step <= spec.ReloadInterval), s => Assert.Empty(s.TeacherAges));
    }

    /// <summary>Places the first incarnation of one group's workers only after a delay (a slow node).</summary>
    private sealed class LateStart(IWorkerPlacement inner, int group, TimeSpan delay) : IWorkerPlacement
    {
        public void Place(IActorContext groupContext, JobSpec spec, int atGroup, int slot, int generation)
        {
            if (atGroup == group && generation == 0) Thread.Sleep(delay);
            inner.Place(groupContext, spec, atGroup, slot, generation);
        }

        public void Release(IActorContext groupContext, IActorRef worker, int atGroup, int slot, string reason) =>
            inner.Release(groupContext, worker, atGroup, slot, reason);
    }


    [Fact]
    public void ExactReloads_ACopyThatDoesNotCome_FallsBackToTheNewestAfterTheStepTimeout_WithAWarning()
    {
        // A worker of group 0 hangs in step 7 for 6 s: group 0 regroups without it after the step and probe timeouts
        // (2 s each), so its copy of step 8 comes about 4 s late. Group 1 waits for it at boundary 9 for one step
        // timeout, then goes on with the newest copy it holds (step 4) and says the run is no longer reproducible.
        var spec = TinyJobs.Spec(steps: 16, reload: 4) with
        {
            ReloadMode = ReloadMode.Exact,
            Failures = FailureSpec.Default with { StepTimeout = TimeSpan.FromSeconds(2), ProbeTimeout = TimeSpan.FromSeconds(2) },
        };
        var (_, observer, _) = TinyJobs.Run(spec, new FaultInjection(group: 0, rank: 0, step: 7, hang: TimeSpan.FromSeconds(6)));

        Assert.Equal(32, observer.Steps.Count);
        Assert.All(observer.Steps, s => Assert.True(double.IsFinite(s.Losses.Loss)));
        Assert.Contains(observer.Events, e => e.StartsWith("1@9: the teacher copies of step 8 from group(s) [0]", StringComparison.Ordinal) &&
                                              e.Contains("no longer reproducible"));
        // Group 1's step 9 used the copy of step 4 (age 5). Group 0, the late one, found group 1's copies waiting at
        // every boundary, so its ages stay exact.
        Assert.Equal(5, observer.Steps.Single(s => s.Group == 1 && s.Step == 9).TeacherAges[0]);
        foreach (var s in observer.Steps.Where(s => s.Group == 0 && s.Step > spec.ReloadInterval))
            Assert.Equal(ExactAge(s.Step, spec.ReloadInterval), s.TeacherAges[1]);
    }

    [Fact]
    public void CtrTask_OnSyntheticCriteoData_CodistillsAndLearns()
    {
        var folder = Path.Combine(Path.GetTempPath(), "codistill-ctr-test");
        Directory.CreateDirectory(folder);
        var file = ActorCodistill.Workers.Data.CriteoSyntheticGenerator.WriteFile(folder, 6000, seed: 3);
        var spec = TinyJobs.Spec(steps: 30, burnIn: 10, reload: 5, eval: 10) with
        {
            Task = "ctr",
            Optimizer = new OptimizerSpec("adagrad", 0.05),
            Data = TinyJobs.Spec().Data with { Corpus = "criteo", CorpusPath = file, BatchSize = 64, ValidationBatches = 8 },
            // A ctr step of this size takes ~1 ms: in newest mode a group could run all 30 steps before the other's
            // first copy arrived and never distil (a CI failure once the fused Adagrad made steps faster). Exact
            // reloads wait for the copy, so every step after burn-in distils, whatever the pace.
            ReloadMode = ReloadMode.Exact,
        };
        var (_, observer, _) = TinyJobs.Run(spec);
        foreach (var g in new[] { 0, 1 })
        {
            var evals = observer.Steps.Where(s => s.Group == g && s.ValidationLoss is not null).OrderBy(s => s.Step).Select(s => s.ValidationLoss!.Value).ToList();
            Assert.True(evals[^1] < evals[0], $"group {g}: {string.Join(", ", evals)}");
            Assert.All(observer.Steps.Where(s => s.Group == g && s.Step > spec.BurnInSteps), s => Assert.True(s.DistillOn, $"group {g} step {s.Step} did not distil"));
        }
    }

    [Fact]
    public void FashionCnnTask_OnFashionMnist_CodistillsAndLearns()
    {
        var spec = TinyJobs.Spec(steps: 36, burnIn: 12, reload: 4, eval: 12) with
        {
            Task = "fashion-cnn",
            Optimizer = new OptimizerSpec("adam", 0.002),
            Data = TinyJobs.Spec().Data with { Corpus = "fashion-mnist", CorpusPath = "", BatchSize = 32, ValidationBatches = 4, ValidationFraction = 0.02 },
        };
        var (_, observer, _) = TinyJobs.Run(spec);
        foreach (var g in new[] { 0, 1 })
        {
            var evals = observer.Steps.Where(s => s.Group == g && s.ValidationLoss is not null).OrderBy(s => s.Step).Select(s => s.ValidationLoss!.Value).ToList();
            Assert.True(evals[^1] < evals[0], $"group {g}: {string.Join(", ", evals)}");
            Assert.Contains(observer.Steps, s => s.Group == g && s.DistillOn);
        }
    }

    [Fact]
    public void Baseline_NeverDistillsAndSendsNoCheckpoints()
    {
        var (completed, observer, _) = TinyJobs.Run(TinyJobs.Spec(steps: 12, baseline: true));
        Assert.All(observer.Steps, s => Assert.False(s.DistillOn));
        Assert.Equal(0, completed.CheckpointBytes);
    }

    [Fact]
    public void WorkerThatThrows_BelowMinWorkers_GroupPausesUntilTheReplacementIsRestored_AndNoStepIsAppliedTwice()
    {
        var spec = TinyJobs.Spec(steps: 16) with { Failures = FailureSpec.Default with { MinWorkersPerGroup = 2 } };
        var (_, observer, journal) = TinyJobs.Run(spec, new FaultInjection(group: 0, rank: 1, step: 9));

        var group0 = observer.Steps.Where(s => s.Group == 0).ToList();
        Assert.Equal(Enumerable.Range(1, 16).Select(i => (long)i), group0.Select(s => s.Step)); // each step reported once, in order
        Assert.All(group0, s => Assert.Equal(2, s.Members)); // never trained with one member
        Assert.Contains(observer.Events, e => e.Contains("failed") && e.Contains("injected fault"));
        Assert.Contains(observer.Events, e => e.Contains("paused"));
        Assert.True(observer.Events.Any(e => e.Contains("1 restored") && e.Contains("step 9 is retried")), string.Join("\n", observer.Events));
        Assert.Contains(journal.Load("job-1"), e => e is WorkerFailed { Group: 0 });
        var last = group0.Last(s => s.ValidationLoss is not null);
        Assert.True(double.IsFinite(last.ValidationLoss!.Value));
    }

    [Fact]
    public void WorkerThatThrows_AtOrAboveMinWorkers_GroupRetriesTheStepWithTheSurvivor()
    {
        var spec = TinyJobs.Spec(steps: 16) with { Failures = FailureSpec.Default with { MinWorkersPerGroup = 1 } };
        var (_, observer, _) = TinyJobs.Run(spec, new FaultInjection(group: 0, rank: 1, step: 9));

        var group0 = observer.Steps.Where(s => s.Group == 0).ToList();
        Assert.Equal(Enumerable.Range(1, 16).Select(i => (long)i), group0.Select(s => s.Step));
        Assert.Equal(1, group0.Single(s => s.Step == 9).Members); // step 9 ran on the survivor alone
        Assert.Contains(observer.Events, e => e.Contains("regrouped with slots [0]") && e.Contains("step 9 is retried"));
        Assert.All(group0, s => Assert.True(double.IsFinite(s.Losses.TaskLoss)));
    }

    [Fact]
    public void WorkerThatHangs_IsProbedAfterTheStepTimeout_FencedAndReplaced_AndItsLateReportIsIgnored()
    {
        var spec = TinyJobs.Spec(steps: 16) with
        {
            Failures = FailureSpec.Default with { StepTimeout = TimeSpan.FromSeconds(1), ProbeTimeout = TimeSpan.FromSeconds(1) },
        };
        var (_, observer, journal) = TinyJobs.Run(spec, new FaultInjection(group: 1, rank: 0, step: 5, hang: TimeSpan.FromSeconds(5)));

        var group1 = observer.Steps.Where(s => s.Group == 1).ToList();
        Assert.Equal(Enumerable.Range(1, 16).Select(i => (long)i), group1.Select(s => s.Step));
        Assert.Contains(observer.Events, e => e.Contains("took longer than step-timeout"));
        Assert.Contains(observer.Events, e => e.StartsWith("1@5: worker slot 0 fenced", StringComparison.Ordinal) && e.Contains("did not answer a probe"));
        // Step 5 was finished by the survivor alone (slot 1 becomes rank 0); the hung worker's late report changed nothing.
        Assert.Equal(1, group1.Single(s => s.Step == 5).Members);
        Assert.Contains(journal.Load("job-1"), e => e is WorkerFailed { Group: 1 });
        Assert.All(group1, s => Assert.True(double.IsFinite(s.Losses.TaskLoss)));
    }

    // Tiny job, 2 members, one segment per chunk: each member sends 2 chunks a step, its reduce-scatter chunk (phase 0)
    // and its all-gather chunk (phase 1), and a member that has received both of its predecessor's applies the step.
    [Theory]
    [InlineData(1, true, "a chunk to slot 1 is missing (rank 1: expected phase 0, got 1)")]
    [InlineData(2, false, "a chunk from slot 0 to akka://test/deadLetters was not delivered")]
    public void AllreduceChunkLostOnTheWay_TheGroupRedoesTheStepAtOnce_NotAfterTheStepTimeout_AndNoBitChanges(int nth, bool vanishes, string reported)
    {
        // Worker 1/0 loses its nth allreduce chunk of step 7. (1) The reduce-scatter chunk vanishes without a trace: only
        // the receiver can tell, by the gap when the all-gather chunk after it arrives. (2) The all-gather chunk becomes a
        // dead letter, as remoting makes of a bulk transfer that fails (connection lost, outbox full): nothing comes
        // after it, so only the sender can tell; slot 0 has applied the step by then, slot 1 never will. Unreported,
        // the step would wait for the step timeout (60 s here). Reported, the group probes and regroups in a new epoch:
        // it redoes the allreduce from the gradients the members kept (1), or restores slot 1 from slot 0's state (2).
        // Either way, in exact mode, the same bits as a run without the loss (in (2) the group's step-7 report takes
        // slot 1's losses from its answer to the probe).
        var spec = TinyJobs.Spec(steps: 16, reload: 4) with { ReloadMode = ReloadMode.Exact };
        Assert.Equal(TimeSpan.FromSeconds(60), spec.Failures.StepTimeout);
        var steady = TinyJobs.Run(spec).Observer;
        var fault = new FaultInjection(group: 1, rank: 0, step: 7, loseAllreduceChunk: nth, chunkVanishes: vanishes);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var lossy = TinyJobs.Run(spec, fault).Observer;
        clock.Stop();

        Assert.True(fault.Fired);
        Assert.Contains($"1@7: allreduce of step 7 broken: {reported}; probing members and redoing the step's allreduce", lossy.Events);
        Assert.DoesNotContain(lossy.Events, e => e.Contains("failed at step") || e.Contains("took longer than step-timeout"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(45), $"the run took {clock.Elapsed.TotalSeconds:0.#} s: the lost chunk waited for the step timeout");
        Assert.Equal(TinyJobs.Trace(steady), TinyJobs.Trace(lossy));
    }

    [Fact]
    public void TeacherCopyLostOnTheWay_TheMemberAsksAgain_AndTheStepGoesOnWithoutATimeout()
    {
        // Worker 0/1 never gets the first teacher copy sent to it (as when a bulk transfer dies with its connection or
        // a full outbox refuses it). Its group's next plan names that copy, so it waits; after a quarter of the step
        // timeout it asks the group, which sends the copy again, well before the step would time out. Copies load at
        // reload boundaries (steps 5, 9, ...): 32 steps leave room for seven, so worker 0/1 is sent one even when
        // group 1 runs far behind group 0 on a loaded host (with 16 steps a lag of 9 steps left it none). The member
        // asks after teacher-retry-interval (here 500 ms; by default a quarter of the step timeout).
        var spec = TinyJobs.Spec(steps: 32) with
        {
            Failures = FailureSpec.Default with
            {
                StepTimeout = TimeSpan.FromSeconds(8), ProbeTimeout = TimeSpan.FromSeconds(2), TeacherRetryInterval = TimeSpan.FromMilliseconds(500),
            },
        };
        var fault = new FaultInjection(group: 0, rank: 1, step: 1, loseTeacherCopy: true);
        var (_, observer, _) = TinyJobs.Run(spec, fault);

        Assert.True(fault.Fired, "no teacher copy reached worker 0/1 to be lost; events: " + string.Join(" | ", observer.Events));
        AssertEveryStepRanWithBothMembers(observer, (int)spec.Steps);
        Assert.DoesNotContain(observer.Events, e => e.Contains("step-timeout") || e.Contains("regrouped") || e.Contains("fenced"));
    }

    [Fact]
    public void TeacherCopyAndTheRequestsForItLost_TheStepTimesOutOnce_AndTheRegroupSendsTheCopyAgain()
    {
        // As above, but the member's requests are lost too: the step times out and the probe finds everyone alive. The
        // retried step must come with the copy again, or it would wait and time out again, forever. 32 steps as above.
        var spec = TinyJobs.Spec(steps: 32) with
        {
            Failures = FailureSpec.Default with { StepTimeout = TimeSpan.FromSeconds(1), ProbeTimeout = TimeSpan.FromSeconds(2) },
        };
        var fault = new FaultInjection(group: 0, rank: 1, step: 1, loseTeacherCopy: true, loseTeacherRequests: true);
        var (_, observer, _) = TinyJobs.Run(spec, fault);

        Assert.True(fault.Fired, "no teacher copy reached worker 0/1 to be lost; events: " + string.Join(" | ", observer.Events));
        AssertEveryStepRanWithBothMembers(observer, (int)spec.Steps);
        Assert.Single(observer.Events, e => e.StartsWith("0@", StringComparison.Ordinal) && e.Contains("took longer than step-timeout"));
        Assert.DoesNotContain(observer.Events, e => e.Contains("fenced"));
    }

    private static void AssertEveryStepRanWithBothMembers(CapturingObserver observer, int steps)
    {
        var group0 = observer.Steps.Where(s => s.Group == 0).ToList();
        Assert.Equal(Enumerable.Range(1, steps).Select(i => (long)i), group0.Select(s => s.Step));
        Assert.All(group0, s => Assert.Equal(2, s.Members));
        Assert.True(group0.Last().DistillOn, "distillation ran after the copy came again");
    }

    [Fact]
    public void TeacherForwardDuringTheAllreduce_DoesNotHoldUpTheRing_StepFinishesWhileItIsStillRunning()
    {
        // Three members: the ring has four phases, so a member that stopped forwarding chunks while it computes the
        // next batch's teacher prediction would hold up the whole group's step.
        var spec = TinyJobs.Spec(steps: 16, workers: 3) with
        {
            Failures = FailureSpec.Default with { StepTimeout = TimeSpan.FromSeconds(20) },
        };
        using var gate = new ManualResetEventSlim();
        const long gatedStep = 12;
        var before = new List<long>();
        // The teacher forward that worker 0/0 runs during step 12's allreduce waits for the gate; the gate opens only
        // once group 0 has reported step 12, which needs that worker's part of the ring.
        var (_, observer, _) = TinyJobs.Run(spec, new FaultInjection(group: 0, rank: 0, step: gatedStep, teacherGate: gate), during: (_, step) =>
        {
            if (step.Group != 0) return;
            if (!gate.IsSet) lock (before) before.Add(step.Step);
            if (step.Step == gatedStep) gate.Set();
        });

        var group0 = observer.Steps.Where(s => s.Group == 0).ToList();
        Assert.Contains(gatedStep, before);
        Assert.Equal(3, group0.Single(s => s.Step == gatedStep).Members);
        Assert.True(group0.Single(s => s.Step == gatedStep + 1).DistillOn, "the gated prediction was for a distillation step");
        Assert.DoesNotContain(observer.Events, e => e.Contains("fenced") || e.Contains("step-timeout"));
        Assert.Equal(Enumerable.Range(1, 16).Select(i => (long)i), group0.Select(s => s.Step));
    }

    [Fact]
    public void SegmentedRingAllreduce_GivesTheSameBitsAsWholeChunks_StepForStep()
    {
        // 4 KiB segments cut each member's chunk of the tiny model's gradient into a dozen segments; the sums, the
        // averaging and so every loss must be the same bits as with whole chunks. Baseline groups: no teacher
        // copies, whose arrival could depend on timing.
        var spec = TinyJobs.Spec(steps: 10, workers: 3, baseline: true, eval: 5);
        var whole = TinyJobs.Run(spec with { AllreduceSegmentKiB = 0 }).Observer.Steps.OrderBy(s => (s.Group, s.Step)).ToList();
        var segmented = TinyJobs.Run(spec with { AllreduceSegmentKiB = 4 }).Observer.Steps.OrderBy(s => (s.Group, s.Step)).ToList();

        Assert.Equal(20, whole.Count);
        Assert.Equal(whole.Select(s => (s.Group, s.Step, s.Losses.Loss, s.ValidationLoss)), segmented.Select(s => (s.Group, s.Step, s.Losses.Loss, s.ValidationLoss)));
        Assert.All(segmented, s => Assert.Equal(3, s.Members));
    }

    [Fact]
    public void SingleWorkerGroupThatLosesItsWorker_RollsBackToTheRecoveryCheckpoint_AndFinishes()
    {
        var spec = TinyJobs.Spec(steps: 14, workers: 1) with { Failures = FailureSpec.Default with { CheckpointInterval = 4 } };
        var checkpoints = new InMemoryGroupCheckpoints();
        var (_, observer, _) = TinyJobs.Run(spec, new FaultInjection(group: 1, rank: 0, step: 11), checkpoints: checkpoints);

        var group1 = observer.Steps.Where(s => s.Group == 1).Select(s => s.Step).ToList();
        // Steps 1..10, then the failure in step 11 rolls the group back to the checkpoint of step 8: 9..14 again.
        Assert.Equal(Enumerable.Range(1, 10).Concat(Enumerable.Range(9, 6)).Select(i => (long)i), group1);
        Assert.Contains(observer.Events, e => e.Contains("paused"));
        Assert.Contains(observer.Events, e => e.Contains("rolled back from step 11 to the recovery checkpoint of step 8"));
        Assert.Equal(12, checkpoints.LoadLatest(1)!.Step);
        Assert.Equal(Enumerable.Range(1, 14).Select(i => (long)i), observer.Steps.Where(s => s.Group == 0).Select(s => s.Step));
    }

    [Fact]
    public void ARollbackPastAScheduledChange_ReRunsTheStepsBeforeItWithTheSettingsTheyFirstHad()
    {
        // Weight 1 -> 0 at step 10 (sent at step 2). Group 1 fails in step 11 and rolls back to its checkpoint of step
        // 8: step 9 must run again with distillation on, and 10 onwards with it off, as the first time. Exact reloads,
        // so the first copies are loaded at step 5 (in newest mode they may come a boundary later).
        var spec = TinyJobs.Spec(steps: 14, workers: 1) with { Failures = FailureSpec.Default with { CheckpointInterval = 4 }, ReloadMode = ReloadMode.Exact };
        var sent = 0;
        var (_, observer, _) = TinyJobs.Run(spec, new FaultInjection(group: 1, rank: 0, step: 11), checkpoints: new InMemoryGroupCheckpoints(),
            during: (coordinator, step) =>
            {
                if (step.Step == 2 && Interlocked.Exchange(ref sent, 1) == 0) coordinator.Tell(new ChangeDistillWeight(0, AtStep: 10));
            });

        var group1 = observer.Steps.Where(s => s.Group == 1).ToList();
        Assert.Equal(Enumerable.Range(1, 10).Concat(Enumerable.Range(9, 6)).Select(i => (long)i), group1.Select(s => s.Step));
        // Burn-in ends after step 6; the first copies load at step 5.
        Assert.All(group1, s => Assert.True(s.DistillOn == s.Step is >= 7 and < 10, $"step {s.Step}: distillation {(s.DistillOn ? "on" : "off")}"));
        Assert.Contains(observer.Events, e => e.Contains("1@", StringComparison.Ordinal) && e.EndsWith("the changes applied at steps [10] wait for those steps again", StringComparison.Ordinal));
        Assert.Equal(2, observer.Events.Count(e => e == "1@10: applied at step 10: distillation weight 0"));
        Assert.Single(observer.Events, e => e == "0@10: applied at step 10: distillation weight 0");
    }

    [Fact]
    public void Reconfiguration_AppliesInEveryGroupAtTheJournalledStep_AndIsVisibleInStatus()
    {
        var spec = TinyJobs.Spec(steps: 32);
        var sent = 0;
        var (completed, observer, journal) = TinyJobs.Run(spec, during: (coordinator, step) =>
        {
            if (step.Step == 8 && Interlocked.Exchange(ref sent, 1) == 0)
            {
                coordinator.Tell(new ChangeDistillWeight(0.25));
                coordinator.Tell(new ChangeReloadInterval(2));
            }
        });

        var weight = Assert.Single(journal.Load("job-1").OfType<DistillWeightChanged>());
        var interval = Assert.Single(journal.Load("job-1").OfType<ReloadIntervalChanged>());
        Assert.Equal(0.25, weight.Weight);
        Assert.Equal(2, interval.Steps);
        // Sent once a group has completed step 8, so no earlier than step 16 (10, the first step no group can have
        // begun, plus the default lead of 6; the groups run on apart, so a few steps later is possible); the interval
        // waits for the next boundary of the old interval (4).
        Assert.InRange(weight.AtStep, 16, 22);
        Assert.Equal(ReconfigureSchedule.NextBoundary(weight.AtStep, spec.ReloadInterval), interval.AtStep);
        Assert.Equal(0.25, completed.Status.DistillWeight);
        Assert.Equal(2, completed.Status.ReloadInterval);
        foreach (var g in new[] { 0, 1 })
        {
            Assert.Contains($"{g}@{weight.AtStep}: applied at step {weight.AtStep}: distillation weight 0.25", observer.Events);
            Assert.Contains($"{g}@{interval.AtStep}: applied at step {interval.AtStep}: reload interval 2", observer.Events);
        }
    }
}
