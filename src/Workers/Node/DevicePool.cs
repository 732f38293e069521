namespace ActorCodistill.Workers.Node;

/// <summary>
/// The device slots one node offers and which worker slot holds each. The shard allocation never gives a node more
/// slots than devices (<see cref="ActorCodistill.Cluster.Slots.PinnedSlotAllocation"/>); the pool is where a slot
/// entity that has landed on this node takes its device, and gives it back when it stops. Thread-safe (entities run
/// on the default dispatcher). A node an operator drained says so here, and its entities start no more workers.
/// </summary>
public sealed class DevicePool(IReadOnlyList<string> devices)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, string> _bySlot = new(StringComparer.Ordinal);
    private string? _drained;

    public IReadOnlyList<string> Devices { get; } = devices.ToArray();

    /// <summary>Why this node is drained; null while it is not.</summary>
    public string? Drained
    {
        get
        {
            lock (_lock) return _drained;
        }
    }

    public void MarkDrained(string reason)
    {
        lock (_lock) _drained ??= reason;
    }

    /// <summary>The device <paramref name="slot"/> holds, taking a free one if it holds none; null when every device is held.</summary>
    public string? Lease(string slot)
    {
        lock (_lock)
        {
            if (_bySlot.TryGetValue(slot, out var held)) return held;
            var free = Devices.FirstOrDefault(d => !_bySlot.ContainsValue(d));
            if (free is not null) _bySlot[slot] = free;
            return free;
        }
    }

    public void Release(string slot)
    {
        lock (_lock) _bySlot.Remove(slot);
    }

    /// <summary>"cpu:0=g0-s1, cpu:1=free".</summary>
    public string Describe()
    {
        lock (_lock)
            return string.Join(", ", Devices.Select(d => _bySlot.FirstOrDefault(kv => kv.Value == d).Key is { } s ? $"{d}={s}" : $"{d}=free"));
    }
}
