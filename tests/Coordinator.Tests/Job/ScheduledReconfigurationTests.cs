using Akka.Actor;
using ActorCodistill.Coordinator.Job;
using ActorCodistill.Workers.Actors;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Tests.Job;

/// <summary>Topology, reload-interval and weight changes, applied by every group at one step (ReconfigureSchedule).</summary>
[Trait("Category", "Integration")]
public class ScheduledReconfigurationTests
{
    [Fact]
    public void ExactReloads_ReloadIntervalAndWeightChangedAtAStep_EveryGroupSwitchesThere_AndAHeldUpGroupChangesNoBit()
    {
        // Interval 4 -> 6 and weight 1 -> 0.5 at step 13 (a boundary of interval 4), sent while the groups are at step 3.
        // In one of the two runs group 1 is held up for 1.5 s in step 9, so the groups are at different steps when
        // the changes arrive; both runs must still compute the same bits, and every boundary must get its exact copy.
        var spec = TinyJobs.Spec(steps: 28, reload: 4) with { ReloadMode = ReloadMode.Exact };
        CapturingObserver Run(FaultInjection? fault)
        {
            var sent = 0;
            return TinyJobs.Run(spec, fault, during: (coordinator, step) =>
            {
                if (step.Step != 3 || Interlocked.Exchange(ref sent, 1) != 0) return;
                coordinator.Tell(new ChangeReloadInterval(6, AtStep: 13));
                coordinator.Tell(new ChangeDistillWeight(0.5, AtStep: 13));
            }).Observer;
        }
        var steady = Run(null);
        var heldUp = Run(new FaultInjection(group: 1, rank: 0, step: 9, hang: TimeSpan.FromSeconds(1.5)));

        Assert.Equal(56, steady.Steps.Count);
        Assert.Equal(TinyJobs.Trace(steady), TinyJobs.Trace(heldUp));
        foreach (var run in new[] { steady, heldUp })
        {
            foreach (var g in new[] { 0, 1 })
            {
                Assert.Contains($"{g}@13: applied at step 13: reload interval 6", run.Events);
                Assert.Contains($"{g}@13: applied at step 13: distillation weight 0.5", run.Events);
            }
            Assert.DoesNotContain(run.Events, e => e.Contains("no longer reproducible") || e.Contains("arrived after"));
        }
        // Ages: interval 4 up to step 12, then 6 from the boundary at 13 (copies of steps 12, 18, 24).
        foreach (var s in steady.Steps.Where(s => s.Step > spec.ReloadInterval))
            Assert.Equal(s.Step < 13 ? TinyJobs.ExactAge(s.Step, 4) : (s.Step - 13) % 6 + 1, s.TeacherAges[1 - s.Group]);
        // The distillation term is halved from step 13 on, in both groups alike: same losses, so same weight.
        Assert.Contains(steady.Steps, s => s.Step >= 13 && s.Losses.DistillLoss > 0);
    }

    [Fact]
    public void ExactReloads_AllToAllToRingAtAStep_OldTeachersStillSendUntilThen_AndNoBoundaryWaits()
    {
        // Three groups, all-to-all, then ring from step 11 (sent at step 2). Before 11 every group still needs both other
        // groups' copies (boundaries 5 and 9); a broadcaster that dropped its old readers at once would leave those
        // boundaries waiting a step timeout (60 s) and the run no longer reproducible.
        var spec = TinyJobs.Spec(steps: 20, reload: 4, groups: 3, workers: 1) with { Topology = TopologyKind.AllToAll, ReloadMode = ReloadMode.Exact };
        var sent = 0;
        var started = DateTime.UtcNow;
        var (completed, observer, journal) = TinyJobs.Run(spec, during: (coordinator, step) =>
        {
            if (step.Step == 2 && Interlocked.Exchange(ref sent, 1) == 0) coordinator.Tell(new ChangeTopology(TopologyKind.Ring, AtStep: 11));
        });

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(50), "a boundary waited for a copy that never came");
        Assert.DoesNotContain(observer.Events, e => e.Contains("no longer reproducible"));
        Assert.Contains(journal.Load("job-1"), e => e is TopologyChanged { Topology: TopologyKind.Ring, AtStep: 11 });
        Assert.Equal(TopologyKind.Ring, completed.Status.Topology);
        foreach (var s in observer.Steps.Where(s => s.Step > spec.ReloadInterval))
        {
            var teachers = s.Step < 11 ? Topology.TeachersOf(TopologyKind.AllToAll, s.Group, 3) : Topology.TeachersOf(TopologyKind.Ring, s.Group, 3);
            Assert.Equal(teachers.Order(), s.TeacherAges.Keys.Order());
            Assert.All(s.TeacherAges.Values, age => Assert.Equal(TinyJobs.ExactAge(s.Step, spec.ReloadInterval), age));
        }
    }

    [Fact]
    public void ARestartedCoordinator_ReplaysTheSchedule_SoAChangeAheadOfTheGroupsAppliesAtItsStep()
    {
        // The journal of a coordinator that scheduled weight 0.25 for step 6 and went down before any group got there.
        var spec = TinyJobs.Spec(steps: 10, reload: 4);
        var journal = new TestJournal();
        journal.Append("job-1", new JobStarted("job-1", false, 2, spec.Topology, spec.ReloadInterval, spec.Distill.Weight, spec.Steps));
        journal.Append("job-1", new DistillWeightChanged(0.25, AtStep: 6));

        var (completed, observer, _) = TinyJobs.Run(spec, journal: journal);

        Assert.Equal(0.25, completed.Status.DistillWeight);
        foreach (var g in new[] { 0, 1 })
            Assert.Contains($"{g}@6: applied at step 6: distillation weight 0.25", observer.Events);
        Assert.DoesNotContain(observer.Events, e => e.Contains("applied at step") && !e.Contains("applied at step 6"));
    }
}
