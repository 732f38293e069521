using System.Collections.Immutable;
using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.ClusterDaemon.Protocol;
using ActorCodistill.Cluster.Configuration;
using ActorCodistill.Cluster.Membership;
using ActorCodistill.Cluster.Remote.FailureDetection;
using ActorCodistill.Cluster.Remoting;
using UniqueAddressProto = ActorCodistill.Cluster.Remote.Protocol.UniqueAddressProto;

namespace ActorCodistill.Cluster.ClusterDaemon;

/// <summary>
/// Heartbeats every other member each <c>heartbeat-interval</c> on the cluster clock and feeds the answers into one
/// phi-accrual detector per incarnation (Akka's defaults). Every tick it reports to the daemon (its parent) which
/// members the detectors give up on; the daemon turns that into reachability in the gossip. Who to heartbeat and
/// the sequence numbers live in the immutable <see cref="HeartbeatSenderState"/>.
/// </summary>
internal sealed class ClusterHeartbeatSender : ReceiveActor
{
    public const string Name = "heartbeat-sender";

    private readonly RemoteActorSystem _remoting;
    private readonly UniqueAddressProto _self;
    private readonly TimeSpan _interval;
    private readonly ClockTimers _timers;
    private readonly DefaultFailureDetectorRegistry<UniqueAddress> _detectors;
    private readonly Dictionary<string, UniqueAddress> _byKey = new(StringComparer.Ordinal);
    private HeartbeatSenderState _state = HeartbeatSenderState.Empty;

    public ClusterHeartbeatSender(RemoteActorSystem remoting, UniqueAddress self, FailureDetectorSettings settings, TimeProvider clock)
    {
        _remoting = remoting;
        _self = ClusterProtoMapping.ToProto(self);
        _interval = settings.HeartbeatInterval;
        _timers = new ClockTimers(clock, Self);
        _detectors = new DefaultFailureDetectorRegistry<UniqueAddress>(() => new PhiAccrualFailureDetector(
            clock, settings.Threshold, minStdDeviation: settings.MinStdDeviation,
            acceptableHeartbeatPause: settings.AcceptableHeartbeatPause, firstHeartbeatEstimate: settings.HeartbeatInterval));

        Receive<HeartbeatTargets>(OnTargets);
        Receive<HeartbeatTick>(_ => OnTick());
        Receive<ClusterHeartbeatRsp>(OnResponse);
    }

    protected override void PreStart() => _timers.StartPeriodic(HeartbeatTick.Instance, HeartbeatTick.Instance, _interval);

    protected override void PostStop() => _timers.Dispose();

    private void OnTargets(HeartbeatTargets targets)
    {
        foreach (var (key, node) in _byKey.Where(kv => !targets.Nodes.Contains(kv.Value)).ToList())
        {
            _state = _state.RemoveReceiver(key);
            _byKey.Remove(key);
            _detectors.Remove(node);
        }

        foreach (var node in targets.Nodes)
        {
            var key = node.ToString();
            if (_byKey.TryAdd(key, node))
            {
                _state = _state.AddReceiver(key);
                // Monitoring starts now, not at the first answer: a member that never answers must still be detected.
                _detectors.HeartBeat(node);
            }
        }
    }

    private void OnTick()
    {
        _state = _state.Tick();
        var heartbeat = new ClusterHeartbeat { From = _self, SequenceNr = _state.SequenceNr };
        foreach (var node in _byKey.Values)
        {
            _remoting.ResolveRemote($"{node.Address}/system/{ClusterCoreDaemon.Name}/{ClusterHeartbeatReceiver.Name}").Tell(heartbeat, Self);
        }

        var unavailable = _byKey.Values.Where(n => !_detectors.IsAvailable(n)).ToImmutableHashSet();
        Context.Parent.Tell(new ReachabilityReport(unavailable));
    }

    private void OnResponse(ClusterHeartbeatRsp response)
    {
        if (!ClusterProtoMapping.TryFromProto(() => ClusterProtoMapping.FromProto(response.From), Log, "heartbeat response with a bad sender dropped", out var from))
            return;

        var key = from.ToString();
        if (!_byKey.ContainsKey(key)) return;
        _state = _state.HeartbeatRsp(key, response.SequenceNr);
        _detectors.HeartBeat(from);
    }
}
