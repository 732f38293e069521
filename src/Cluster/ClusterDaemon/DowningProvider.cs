using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Membership;

namespace ActorCodistill.Cluster.ClusterDaemon;

/// <summary>
/// Applies the configured <see cref="IDowningStrategy"/> (keep-majority, keep-oldest) to the gossip the daemon (its parent) forwards: tracks since when the
/// unreachable set has been stable and, on each tick of the cluster clock, asks the daemon to Down the unreachable
/// side (only when this node is the leader) or itself (this side lost).
/// </summary>
internal sealed class DowningProvider : ReceiveActor
{
    public const string Name = "downing";

    private readonly UniqueAddress _self;
    private readonly IDowningStrategy _strategy;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _tickInterval;
    private readonly ClockTimers _timers;
    private DowningView? _view;
    private Gossip _gossip = Gossip.Empty;

    public DowningProvider(UniqueAddress self, IDowningStrategy strategy, TimeProvider clock, TimeSpan tickInterval)
    {
        _self = self;
        _strategy = strategy;
        _clock = clock;
        _tickInterval = tickInterval;
        _timers = new ClockTimers(clock, Self);

        Receive<GossipChanged>(changed =>
        {
            var now = _clock.GetUtcNow();
            _gossip = changed.Gossip;
            _view = _view is null ? DowningView.From(_gossip, _self, now) : _view.Observe(_gossip, now);
        });
        Receive<DowningTick>(_ => Decide());
    }

    protected override void PreStart() => _timers.StartPeriodic(DowningTick.Instance, DowningTick.Instance, _tickInterval);

    protected override void PostStop() => _timers.Dispose();

    private void Decide()
    {
        if (_view is null || !_gossip.HasMember(_self)) return;
        switch (_strategy.Decide(_view, _clock.GetUtcNow()))
        {
            case DowningDecision.DownTheseNodes down when _gossip.Leader(_self) == _self:
                Log.Warning($"{_strategy.Name}: downing unreachable {string.Join(", ", down.Nodes)}");
                Context.Parent.Tell(new DownUnreachable(down.Nodes));
                break;
            case DowningDecision.DownMyself:
                Log.Warning($"{_strategy.Name}: this side loses ({_view.Unreachable.Count} unreachable of {_view.Members.Count}); downing myself");
                Context.Parent.Tell(new DownSelf());
                break;
        }
    }
}
