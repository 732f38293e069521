using ActorCodistill.Cluster.Slots;
using ActorCodistill.Workers.Node;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Event;
using static Akka.Cluster.ClusterEvent;
using AkkaCluster = Akka.Cluster.Cluster;

namespace ActorCodistill.Coordinator.Distributed;

/// <summary>
/// The seed's side of the worker slots. A group's request for a worker goes to the slot's sharded entity through
/// the seed's <see cref="WorkerSlots"/> region; Akka.Cluster.Sharding places the slot with
/// <see cref="PinnedSlotAllocation"/> (the node it ran on while that one has it, else a free device on the
/// least-loaded node that is not draining) and buffers the request while the slot has no home (no free device yet, a
/// node lost or a slot moving). This actor keeps what the operator sees: the devices worker nodes offer (from
/// Akka.Cluster membership, <see cref="DeviceRoles"/>), which worker each runs (as the slot entities report), the
/// requests not started yet, and drains (told to every worker node, for the allocation strategy of whichever runs the
/// shard coordinator, which moves the drained node's slots at the next rebalance, and for the drained node, whose slots
/// then start nothing; told again to a node that joins later). A request whose answer may have been lost with a node
/// is sent again; the entity starts each incarnation once.
/// </summary>
public sealed class SlotPlacementActor : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ResendEvery = TimeSpan.FromSeconds(3);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _listener;
    private readonly IActorRef _slots;
    private readonly Dictionary<Address, NodeSlots> _nodes = new();
    private readonly Dictionary<(int Group, int Slot), Request> _requests = new();
    // Addresses an operator drained: nothing is placed there again for this job, also when a node comes back at the
    // same address (fixed ports) or the seed restarts (the coordinator re-applies its journal's drains).
    private readonly HashSet<string> _drained = new(StringComparer.Ordinal);

    public ITimerScheduler Timers { get; set; } = null!;

    private sealed class NodeSlots(Address address, IReadOnlyList<string> devices)
    {
        public Address Address { get; } = address;
        public IReadOnlyList<string> Devices { get; } = devices;
        public bool Reachable { get; set; } = true;
        // Its slot region has registered with the shard coordinator: only then can a slot be placed there, and only
        // then does the node count for the job's start (so the first slots are placed knowing every node).
        public bool Registered { get; set; }
        public Dictionary<string, (int Group, int Slot, int Generation)> Occupied { get; } = new(StringComparer.Ordinal);
        public int Free => Devices.Count - Occupied.Count;
    }

    private sealed record Request(RequestWorker Worker, bool Started, DateTime SentAt, string? Refused = null, bool GivenUp = false);

    private sealed record Resend(int Group, int Slot, int Generation);

    private sealed record ResendUnstarted
    {
        public static readonly ResendUnstarted Instance = new();
    }

    /// <param name="slots">The seed's proxy to the <see cref="WorkerSlots"/>.</param>
    public SlotPlacementActor(IActorRef listener, IActorRef slots)
    {
        _listener = listener;
        _slots = slots;
        Receive<CurrentClusterState>(state =>
        {
            foreach (var m in state.Members.Where(m => m.Status == MemberStatus.Up)) AddNode(m);
            foreach (var m in state.Unreachable) SetReachable(m.Address, false);
            Changed();
        });
        Receive<MemberUp>(up =>
        {
            AddNode(up.Member);
            Changed();
        });
        Receive<MemberRemoved>(removed => RemoveNode(removed.Member.Address, $"removed from the cluster (was {removed.PreviousStatus})"));
        Receive<IMemberEvent>(_ => { });
        Receive<UnreachableMember>(u =>
        {
            SetReachable(u.Member.Address, false);
            Changed();
        });
        Receive<ReachableMember>(r =>
        {
            SetReachable(r.Member.Address, true);
            Changed();
        });
        Receive<RequestWorker>(request =>
        {
            _requests[(request.Group, request.Slot)] = new Request(request, Started: false, DateTime.UtcNow);
            Send(request);
        });
        Receive<Resend>(resend =>
        {
            if (_requests.TryGetValue((resend.Group, resend.Slot), out var r) && !r.Started && r.Worker.Generation == resend.Generation) Send(r.Worker);
        });
        // Sharding delivers at most once: a request sent while its shard's home was a node that is gone, or while the
        // shard coordinator moved, can be lost. Requests not started are sent again until they are (the entity starts
        // each incarnation once, so a duplicate only gets WorkerStarted again).
        Receive<ResendUnstarted>(_ =>
        {
            var now = DateTime.UtcNow;
            foreach (var r in _requests.Values.Where(r => !r.Started && !r.GivenUp && now - r.SentAt >= ResendEvery).ToList()) Send(r.Worker);
        });
        Receive<WorkerStarted>(started =>
        {
            var node = Sender.Path.Address;
            foreach (var other in _nodes.Values)
                foreach (var (device, o) in other.Occupied.ToList())
                    if (o.Group == started.Group && o.Slot == started.Slot) other.Occupied.Remove(device);
            if (_nodes.TryGetValue(node, out var slots)) slots.Occupied[started.Device] = (started.Group, started.Slot, started.Generation);
            if (_requests.TryGetValue((started.Group, started.Slot), out var r) && r.Worker.Generation == started.Generation && !r.Started)
            {
                _requests[(started.Group, started.Slot)] = r with { Started = true, Refused = null };
                _log.Info($"group {started.Group} slot {started.Slot} #{started.Generation} runs on {node} {started.Device}");
            }
            Changed();
        });
        Receive<WorkerStopped>(stopped =>
        {
            if (_nodes.TryGetValue(Sender.Path.Address, out var node) && node.Occupied.TryGetValue(stopped.Device, out var o) &&
                o == (stopped.Group, stopped.Slot, stopped.Generation))
            {
                node.Occupied.Remove(stopped.Device);
                Changed();
            }
        });
        Receive<SpawnRefused>(refused =>
        {
            _log.Warning($"{Sender.Path.Address} did not start group {refused.Group} slot {refused.Slot} #{refused.Generation}: {refused.Reason}" +
                         (refused.Retry ? $"; asking again in {RetryAfter.TotalSeconds:0} s" : ""));
            if (!_requests.TryGetValue((refused.Group, refused.Slot), out var r) || r.Started || r.Worker.Generation != refused.Generation) return;
            _requests[(refused.Group, refused.Slot)] = r with { Refused = refused.Reason, GivenUp = !refused.Retry };
            if (refused.Retry)
                Timers.StartSingleTimer(("resend", refused.Group, refused.Slot), new Resend(refused.Group, refused.Slot, refused.Generation), RetryAfter);
        });
        Receive<CheckDrain>(check =>
        {
            var known = _nodes.Keys.Select(a => a.ToString()).Order(StringComparer.Ordinal).ToList();
            // A node drained before (and maybe gone since) may be named again; anything else must be a worker node, by its
            // full address or its host:port.
            var named = known.Concat(_drained).FirstOrDefault(a => a == check.NodeAddress || a.EndsWith("@" + check.NodeAddress, StringComparison.Ordinal));
            Sender.Tell(named is not null
                ? new DrainCheck(null, named)
                : new DrainCheck($"{check.NodeAddress} is not a worker node of this cluster; worker nodes: " +
                                 (known.Count == 0 ? "none" : string.Join(", ", known))), Self);
        });
        Receive<DrainPlacement>(drain =>
        {
            if (_drained.Add(drain.NodeAddress))
                foreach (var node in _nodes.Keys) TellDrains(node, [drain.NodeAddress]);
            Changed();
        });
        Receive<GetPlacement>(_ => Sender.Tell(new PlacementView(View()), Self));
        Receive<AskRegions>(_ => _slots.Tell(GetCurrentRegions.Instance, Self));
        Receive<CurrentRegions>(regions =>
        {
            var changed = false;
            foreach (var node in _nodes.Values)
            {
                var registered = regions.Regions.Contains(node.Address);
                changed |= registered != node.Registered;
                node.Registered = registered;
            }
            if (changed) Changed();
        });
    }

    private sealed record AskRegions
    {
        public static readonly AskRegions Instance = new();
    }

    public static Props Props(IActorRef listener, IActorRef slots) =>
        Akka.Actor.Props.Create(() => new SlotPlacementActor(listener, slots));

    protected override void PreStart()
    {
        AkkaCluster.Get(Context.System).Subscribe(Self, SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(IMemberEvent), typeof(IReachabilityEvent));
        Timers.StartPeriodicTimer("resend-unstarted", ResendUnstarted.Instance, ResendEvery);
        Timers.StartPeriodicTimer("regions", AskRegions.Instance, TimeSpan.Zero, TimeSpan.FromSeconds(1));
    }

    protected override void PostStop() => AkkaCluster.Get(Context.System).Unsubscribe(Self);

    private void Send(RequestWorker request)
    {
        if (_requests.TryGetValue((request.Group, request.Slot), out var r) && r.Worker.Generation == request.Generation)
            _requests[(request.Group, request.Slot)] = r with { SentAt = DateTime.UtcNow };
        _slots.Tell(new SpawnWorker(request.Spec, request.Group, request.Slot, request.Generation, request.GroupRef), Self);
    }

    private void AddNode(Member member)
    {
        var devices = DeviceRoles.Of(member);
        if (!member.HasRole("worker") || devices.Count == 0 || _nodes.ContainsKey(member.Address)) return;
        _nodes[member.Address] = new NodeSlots(member.Address, devices);
        _log.Info("worker node {0} offers [{1}]", member.Address, string.Join(", ", devices));
        TellDrains(member.Address, _drained);
    }

    private void TellDrains(Address node, IEnumerable<string> drained)
    {
        var host = Context.ActorSelection(new RootActorPath(node) / "user" / WorkerHostActor.Name);
        foreach (var address in drained) host.Tell(new DrainWorkerNode(address, "drained by an operator"), Self);
    }

    private void RemoveNode(Address address, string why)
    {
        if (!_nodes.Remove(address, out var node)) return;
        _log.Info($"worker node {address} {why}: its {node.Devices.Count} slots are gone");
        // A request the node may have taken and not answered is sent again (its slot gets a new home); running workers'
        // groups see them terminate and ask for their next incarnation themselves.
        foreach (var r in _requests.Values.Where(r => !r.Started)) Send(r.Worker);
        Changed();
    }

    private void SetReachable(Address address, bool reachable)
    {
        if (_nodes.TryGetValue(address, out var node)) node.Reachable = reachable;
    }

    private bool Usable(NodeSlots node) => node.Reachable && node.Registered && !_drained.Contains(node.Address.ToString());

    private void Changed()
    {
        var usable = _nodes.Values.Where(Usable).ToList();
        _listener.Tell(new SlotsChanged(usable.Sum(n => n.Devices.Count), usable.Sum(n => n.Free), usable.Count), Self);
    }

    private IReadOnlyList<string> View() =>
        _nodes.Values.OrderBy(n => n.Address.ToString(), StringComparer.Ordinal).Select(n =>
            $"{n.Address}{(n.Reachable ? "" : " UNREACHABLE")}{(n.Registered ? "" : " (slot region not registered yet)")}{(_drained.Contains(n.Address.ToString()) ? " DRAINING" : "")}: " +
            string.Join(", ", n.Devices.Select(d => n.Occupied.TryGetValue(d, out var o) ? $"{d}=g{o.Group}/s{o.Slot}#{o.Generation}" : $"{d}=free")))
        .Concat(_requests.Values.Where(r => !r.Started).OrderBy(r => (r.Worker.Group, r.Worker.Slot)).Select(r =>
            $"waiting: group {r.Worker.Group} slot {r.Worker.Slot} #{r.Worker.Generation}" + (r.Refused is null ? "" : $" ({r.Refused})")))
        .ToArray();
}
