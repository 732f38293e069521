using Akka.Actor;
using ActorCodistill.Coordinator.Job;
using ActorCodistill.Workers.Actors;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Coordinator.Tests.Job;

/// <summary>An operator's drain outlives a coordinator restart: it is in the journal, and the placement hears it again.</summary>
[Trait("Category", "Integration")]
public class DrainRecoveryTests
{
    /// <summary>Embedded placement that also records what the coordinator asks of it, in order.</summary>
    private sealed class RecordingPlacement : IWorkerPlacement
    {
        private readonly ChildPlacement _inner = new();
        private readonly List<string> _calls = [];

        public IReadOnlyList<string> Calls
        {
            get
            {
                lock (_calls) return _calls.ToArray();
            }
        }

        public void Place(IActorContext groupContext, JobSpec spec, int group, int slot, int generation)
        {
            lock (_calls) _calls.Add($"place {group}/{slot}");
            _inner.Place(groupContext, spec, group, slot, generation);
        }

        public void Release(IActorContext groupContext, IActorRef worker, int group, int slot, string reason) =>
            _inner.Release(groupContext, worker, group, slot, reason);

        public void Drain(string nodeAddress)
        {
            lock (_calls) _calls.Add($"drain {nodeAddress}");
        }
    }

    [Fact]
    public void RecoveredJob_DrainsTheJournalsNodesAgain_BeforeAnyWorkerIsPlaced()
    {
        var spec = TinyJobs.Spec(steps: 4, burnIn: 2);
        var journal = new TestJournal();
        journal.Append("job-1", new JobStarted("job-1", false, spec.Groups, spec.Topology, spec.ReloadInterval, spec.Distill.Weight, spec.Steps));
        journal.Append("job-1", new NodeDrained("akka.ssl.tcp://codistill@10.0.0.7:4055"));
        journal.Append("job-1", new NodeDrained("akka.ssl.tcp://codistill@10.0.0.5:4055"));
        var placement = new RecordingPlacement();

        var (_, observer, _) = TinyJobs.Run(spec, journal: journal, placement: placement);

        var calls = placement.Calls;
        Assert.Equal(["drain akka.ssl.tcp://codistill@10.0.0.5:4055", "drain akka.ssl.tcp://codistill@10.0.0.7:4055"], calls.Take(2));
        Assert.Contains(calls, c => c.StartsWith("place ", StringComparison.Ordinal));
        Assert.Equal(2, calls.Count(c => c.StartsWith("drain ", StringComparison.Ordinal)));
        Assert.Contains(observer.Events, e => e.Contains("akka.ssl.tcp://codistill@10.0.0.7:4055 stays drained (journal)", StringComparison.Ordinal));
    }
}
