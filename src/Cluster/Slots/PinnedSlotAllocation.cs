using System.Collections.Concurrent;
using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Event;

namespace ActorCodistill.Cluster.Slots;

/// <summary>
/// Where Akka.Cluster.Sharding places worker slots (one slot per shard, shard id = slot id): a slot goes to a node
/// with a free device, never beyond a node's devices (<see cref="DeviceRoles"/>), preferring the node it ran on before
/// (pinned placement: its data and caches are there) and otherwise the node with the most free devices. Nothing is
/// moved on its own (a training worker is not a web session to rebalance); a node an operator drains gives its slots up
/// at the next rebalance, to nodes with free devices, and gets none again.
/// <para>
/// When no node has a free device the allocation fails with a message that says so; the shard region asks again every
/// <c>retry-interval</c>, so the slot starts as soon as a node joins or another slot stops, as the own runtime's
/// placement waited. The strategy's memory (pins, drains) lives with the shard coordinator; it is rebuilt empty when
/// the coordinator moves to another node.
/// </para>
/// </summary>
public sealed class PinnedSlotAllocation : IShardAllocationStrategy
{
    private readonly ActorSystem _system;
    private readonly ConcurrentDictionary<string, Address> _pinned = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Address, string> _drained = new();
    private readonly ILoggingAdapter _log;

    private readonly Func<string, string?> _spreadKey;

    /// <param name="spreadKey">Slots with the same key (the worker slots of one group) are spread over the nodes, so a
    /// group keeps members when a node is lost; null: no spreading.</param>
    public PinnedSlotAllocation(ActorSystem system, Func<string, string?>? spreadKey = null)
    {
        _system = system;
        _spreadKey = spreadKey ?? (_ => null);
        _log = Logging.GetLogger(system, "slot-allocation");
    }

    /// <summary>Nothing is placed on <paramref name="node"/> from now on, and its slots move at the next rebalance.</summary>
    public void Drain(Address node, string reason)
    {
        if (_drained.TryAdd(node, reason)) _log.Info($"draining {node} ({reason}): its slots move to other nodes with free devices");
    }

    public IReadOnlyCollection<Address> Drained => _drained.Keys.ToArray();

    /// <summary>
    /// How long a slot waits for an Up worker node whose slot region has not registered with the coordinator yet (a
    /// node that has just joined): slots are placed knowing every node, so the first slots of a job spread over the
    /// nodes instead of filling the first region that registered.
    /// </summary>
    public TimeSpan RegistrationGrace { get; init; } = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<UniqueAddress, DateTime> _unregisteredSince = new();

    public Task<IActorRef> AllocateShard(IActorRef requester, string shardId, IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations)
    {
        if (Unregistered(currentShardAllocations) is { } waiting)
        {
            var wait = $"slot '{shardId}' waits for the slot region of {waiting} (Up, not registered yet) before it is placed";
            _log.Info(wait);
            return Task.FromException<IActorRef>(new InvalidOperationException(wait));
        }
        var nodes = Nodes(currentShardAllocations);
        var free = nodes.Where(n => n.Free > 0 && n.Usable).ToList();
        if (free.Count == 0)
        {
            var why = nodes.Count == 0
                ? "no worker node has joined yet"
                : string.Join("; ", nodes.Select(n => $"{n.Address}: {n.Devices} device(s), {n.Slots} slot(s){(n.Usable ? "" : $", {n.Unusable}")}"));
            var message = $"no free device for slot '{shardId}' ({why}); it starts when a worker node joins or a slot stops";
            _log.Warning(message);
            return Task.FromException<IActorRef>(new InvalidOperationException(message));
        }
        var chosen = _pinned.TryGetValue(shardId, out var before) && free.FirstOrDefault(n => n.Address == before) is { } home
            ? home
            : free.OrderBy(n => Siblings(n, shardId, currentShardAllocations)).ThenByDescending(n => n.Free).ThenBy(n => n.Slots)
                .ThenBy(n => n.Address.ToString(), StringComparer.Ordinal).First();
        _pinned[shardId] = chosen.Address;
        _log.Info($"slot '{shardId}' placed on {chosen.Address} ({chosen.Free - 1} device(s) left there){(before is null ? "" : before == chosen.Address ? ", where it ran before" : $", not on {before} where it ran before")}");
        return Task.FromResult(chosen.Region);
    }

    public Task<IImmutableSet<string>> Rebalance(IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations, IImmutableSet<string> rebalanceInProgress)
    {
        if (_drained.IsEmpty) return Task.FromResult<IImmutableSet<string>>(ImmutableHashSet<string>.Empty);
        var nodes = Nodes(currentShardAllocations);
        var room = nodes.Where(n => n.Usable).Sum(n => Math.Max(0, n.Free));
        var moving = nodes.Where(n => _drained.ContainsKey(n.Address))
            .SelectMany(n => currentShardAllocations[n.Region])
            .Where(s => !rebalanceInProgress.Contains(s))
            .Order(StringComparer.Ordinal)
            .Take(Math.Max(0, room - rebalanceInProgress.Count))
            .ToImmutableHashSet();
        if (moving.Count > 0) _log.Info($"moving slot(s) {string.Join(", ", moving)} off drained node(s)");
        return Task.FromResult<IImmutableSet<string>>(moving);
    }

    /// <summary>How many slots with <paramref name="shardId"/>'s spread key (its group's other slots) <paramref name="node"/> holds.</summary>
    private int Siblings(Node node, string shardId, IImmutableDictionary<IActorRef, IImmutableList<string>> allocations) =>
        _spreadKey(shardId) is { } key ? allocations[node.Region].Count(s => s != shardId && _spreadKey(s) == key) : 0;

    /// <summary>A worker node that is Up with free devices but whose region has not registered, within the grace; else null.</summary>
    private Address? Unregistered(IImmutableDictionary<IActorRef, IImmutableList<string>> allocations)
    {
        var cluster = Akka.Cluster.Cluster.Get(_system);
        var state = cluster.State;
        var registered = allocations.Keys.Select(r => r.Path.Address.HasLocalScope ? cluster.SelfAddress : r.Path.Address).ToHashSet();
        var unreachable = state.Unreachable.Select(m => m.UniqueAddress).ToHashSet();
        var now = DateTime.UtcNow;
        Address? waiting = null;
        foreach (var m in state.Members)
        {
            if (m.Status != MemberStatus.Up || DeviceRoles.Of(m).Count == 0 || registered.Contains(m.Address) || unreachable.Contains(m.UniqueAddress) ||
                _drained.ContainsKey(m.Address))
            {
                _unregisteredSince.TryRemove(m.UniqueAddress, out _);
                continue;
            }
            var since = _unregisteredSince.GetOrAdd(m.UniqueAddress, now);
            if (now - since < RegistrationGrace) waiting ??= m.Address;
        }
        return waiting;
    }

    private sealed record Node(IActorRef Region, Address Address, int Devices, int Slots, string? Unusable)
    {
        public int Free => Devices - Slots;
        public bool Usable => Unusable is null;
    }

    private List<Node> Nodes(IImmutableDictionary<IActorRef, IImmutableList<string>> allocations)
    {
        var cluster = Akka.Cluster.Cluster.Get(_system);
        var state = cluster.State;
        var members = state.Members.ToDictionary(m => m.Address);
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        var nodes = new List<Node>();
        foreach (var (region, shards) in allocations)
        {
            var address = region.Path.Address.HasLocalScope ? cluster.SelfAddress : region.Path.Address;
            var devices = members.TryGetValue(address, out var member) ? DeviceRoles.Of(member).Count : 0;
            string? unusable = null;
            if (member is null || member.Status != MemberStatus.Up) unusable = $"not Up ({member?.Status.ToString() ?? "not a member"})";
            else if (unreachable.Contains(address)) unusable = "unreachable";
            else if (_drained.TryGetValue(address, out var reason)) unusable = $"drained ({reason})";
            nodes.Add(new Node(region, address, devices, shards.Count, unusable));
        }
        return nodes;
    }
}
