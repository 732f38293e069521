using ActorCodistill.Cluster.Slots;
using ActorCodistill.Workers.Node;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using static Akka.Cluster.ClusterEvent;
using AkkaCluster = Akka.Cluster.Cluster;

namespace ActorCodistill.Coordinator.Distributed;

/// <summary>
/// The seed's view of the device slots worker nodes offer (from Akka.Cluster membership: Up members with the
/// <c>worker</c> role and their devices, announced as <see cref="DeviceRoles"/>) and which worker runs on each. Places a requested worker with
/// <b>pinned placement</b>: the slot it ran on before when that is still free, else a free device on the
/// least-loaded reachable node that is not draining; a request that finds no free slot waits until one appears
/// (a node joins, a worker stops). A spawn still on its way when its node is removed is asked for again.
/// </summary>
public sealed class SlotPlacementActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _listener;
    private readonly Dictionary<Address, NodeSlots> _nodes = new();
    private readonly Dictionary<(int Group, int Slot), (Address Node, string Device)> _pinned = new();
    private readonly List<RequestWorker> _waiting = new();
    // Addresses an operator drained: nothing is placed there again for this job, also when a node comes back at the
    // same address (fixed ports) or the seed restarts (the coordinator re-applies its journal's drains).
    private readonly HashSet<string> _drained = new(StringComparer.Ordinal);

    private sealed class NodeSlots(Address address, IReadOnlyList<string> devices)
    {
        public Address Address { get; } = address;
        public IReadOnlyList<string> Devices { get; } = devices;
        public bool Reachable { get; set; } = true;
        public Dictionary<string, Occupant> Occupied { get; } = new(StringComparer.Ordinal);
        public int Free => Devices.Count - Occupied.Count;
    }

    private sealed record Occupant(RequestWorker Request, bool Started);

    public SlotPlacementActor(IActorRef listener)
    {
        _listener = listener;
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
            _waiting.RemoveAll(w => w.Group == request.Group && w.Slot == request.Slot);
            if (!TryPlace(request))
            {
                _waiting.Add(request);
                _log.Info($"no free device slot for group {request.Group} slot {request.Slot}; it waits for one");
            }
        });
        Receive<WorkerStarted>(started =>
        {
            if (Find(Sender.Path.Address, started.Device) is { } node && node.Occupied.TryGetValue(started.Device, out var o) &&
                o.Request.Group == started.Group && o.Request.Slot == started.Slot && o.Request.Generation == started.Generation)
                node.Occupied[started.Device] = o with { Started = true };
        });
        Receive<WorkerStopped>(stopped => Free(Sender.Path.Address, stopped.Device, stopped.Group, stopped.Slot, stopped.Generation));
        Receive<SpawnRefused>(refused =>
        {
            _log.Warning($"{Sender.Path.Address} refused group {refused.Group} slot {refused.Slot} on {refused.Device}: {refused.Reason}");
            if (Find(Sender.Path.Address, refused.Device) is { } node && node.Occupied.Remove(refused.Device, out var o))
            {
                _pinned.Remove((o.Request.Group, o.Request.Slot));
                // Try elsewhere; a device that is busy for a reason unknown here stays unused on this node until it stops.
                if (!TryPlace(o.Request, avoid: (node.Address, refused.Device))) _waiting.Add(o.Request);
            }
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
            _drained.Add(drain.NodeAddress);
            Changed();
        });
        Receive<GetPlacement>(_ => Sender.Tell(new PlacementView(View()), Self));
    }

    public static Props Props(IActorRef listener) => Akka.Actor.Props.Create(() => new SlotPlacementActor(listener));

    protected override void PreStart() =>
        AkkaCluster.Get(Context.System).Subscribe(Self, SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(IMemberEvent), typeof(IReachabilityEvent));

    protected override void PostStop() => AkkaCluster.Get(Context.System).Unsubscribe(Self);

    private NodeSlots? Find(Address address, string device) =>
        _nodes.TryGetValue(address, out var node) && node.Devices.Contains(device) ? node : null;

    private void AddNode(Member member)
    {
        var devices = DeviceRoles.Of(member);
        if (!member.HasRole("worker") || devices.Count == 0 || _nodes.ContainsKey(member.Address)) return;
        _nodes[member.Address] = new NodeSlots(member.Address, devices);
        _log.Info("worker node {0} offers [{1}]", member.Address, string.Join(", ", devices));
        PlaceWaiting();
    }

    private void RemoveNode(Address address, string why)
    {
        if (!_nodes.Remove(address, out var node)) return;
        _log.Info($"worker node {address} {why}: its {node.Devices.Count} slots are gone");
        // Spawns that never started are asked for again; running workers' groups see them terminate and ask themselves.
        foreach (var o in node.Occupied.Values.Where(o => !o.Started)) _waiting.Add(o.Request);
        PlaceWaiting();
        Changed();
    }

    private void SetReachable(Address address, bool reachable)
    {
        if (_nodes.TryGetValue(address, out var node)) node.Reachable = reachable;
        if (reachable) PlaceWaiting();
    }

    private void Free(Address address, string device, int group, int slot, int generation)
    {
        if (Find(address, device) is not { } node || !node.Occupied.TryGetValue(device, out var o)) return;
        if (o.Request.Group != group || o.Request.Slot != slot || o.Request.Generation != generation) return;
        node.Occupied.Remove(device);
        PlaceWaiting();
        Changed();
    }

    private bool Usable(NodeSlots node) => node.Reachable && !_drained.Contains(node.Address.ToString());

    private bool TryPlace(RequestWorker request, (Address, string)? avoid = null)
    {
        NodeSlots? target = null;
        string? device = null;
        if (_pinned.TryGetValue((request.Group, request.Slot), out var pin) && _nodes.TryGetValue(pin.Node, out var pinnedNode) &&
            Usable(pinnedNode) && !pinnedNode.Occupied.ContainsKey(pin.Device) && (pin.Node, pin.Device) != avoid)
        {
            target = pinnedNode;
            device = pin.Device;
        }
        else
        {
            foreach (var node in _nodes.Values.Where(Usable).OrderByDescending(n => n.Free).ThenBy(n => n.Address.ToString(), StringComparer.Ordinal))
            {
                device = node.Devices.FirstOrDefault(d => !node.Occupied.ContainsKey(d) && (node.Address, d) != avoid);
                if (device is null) continue;
                target = node;
                break;
            }
        }
        if (target is null || device is null) return false;

        target.Occupied[device] = new Occupant(request, Started: false);
        _pinned[(request.Group, request.Slot)] = (target.Address, device);
        var host = Context.ActorSelection(new RootActorPath(target.Address) / "user" / WorkerHostActor.Name);
        host.Tell(new SpawnWorker(request.Spec, request.Group, request.Slot, request.Generation, device, request.GroupRef), Self);
        _log.Info($"placing group {request.Group} slot {request.Slot} #{request.Generation} on {target.Address} {device}");
        Changed();
        return true;
    }

    private void PlaceWaiting()
    {
        foreach (var request in _waiting.ToList())
            if (TryPlace(request)) _waiting.Remove(request);
    }

    private void Changed()
    {
        var usable = _nodes.Values.Where(Usable).ToList();
        _listener.Tell(new SlotsChanged(usable.Sum(n => n.Devices.Count), usable.Sum(n => n.Free), usable.Count), Self);
    }

    private IReadOnlyList<string> View() =>
        _nodes.Values.OrderBy(n => n.Address.ToString(), StringComparer.Ordinal).Select(n =>
            $"{n.Address}{(n.Reachable ? "" : " UNREACHABLE")}{(_drained.Contains(n.Address.ToString()) ? " DRAINING" : "")}: " +
            string.Join(", ", n.Devices.Select(d => n.Occupied.TryGetValue(d, out var o)
                ? $"{d}=g{o.Request.Group}/s{o.Request.Slot}#{o.Request.Generation}{(o.Started ? "" : "(starting)")}"
                : $"{d}=free")))
        .Concat(_waiting.Select(w => $"waiting: group {w.Group} slot {w.Slot} #{w.Generation}"))
        .ToArray();
}
