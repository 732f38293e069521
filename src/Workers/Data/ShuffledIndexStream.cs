namespace ActorCodistill.Workers.Data;

/// <summary>Where a <see cref="ShuffledIndexStream"/> stands: epoch and offset into that epoch's permutation.</summary>
public readonly record struct ShuffledIndexState(int Epoch, int Offset);

/// <summary>
/// An endless stream of item indices: epoch e is a seeded permutation of the items (seed derived
/// from (seed, e)), epochs follow each other without a gap. Batches are taken from this stream
/// and may straddle an epoch boundary, so every batch is full and no item is dropped; an item
/// can therefore appear twice in the one batch that straddles a boundary.
/// </summary>
public sealed class ShuffledIndexStream
{
    private readonly int[] _items;
    private readonly long _seed;
    private int[] _order;

    public ShuffledIndexStream(IReadOnlyList<int> items, long seed)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0)
        {
            throw new ArgumentException("Cannot draw batches from an empty shard.", nameof(items));
        }
        _items = [.. items];
        _seed = seed;
        _order = Order(0);
    }

    public int Count => _items.Length;

    public int Epoch { get; private set; }

    public int Offset { get; private set; }

    public ShuffledIndexState State => new(Epoch, Offset);

    public void Restore(ShuffledIndexState state)
    {
        if (state.Epoch < 0 || state.Offset < 0 || state.Offset >= _items.Length)
        {
            throw new ArgumentException($"State {state} is out of range for a shard of {_items.Length} items.", nameof(state));
        }
        Epoch = state.Epoch;
        Offset = state.Offset;
        _order = Order(Epoch);
    }

    public int Next()
    {
        var item = _order[Offset++];
        if (Offset == _order.Length)
        {
            Epoch++;
            Offset = 0;
            _order = Order(Epoch);
        }
        return item;
    }

    private int[] Order(int epoch)
    {
        var perm = SeededRandom.Permutation(_items.Length, SeededRandom.Derive(_seed, epoch));
        for (var i = 0; i < perm.Length; i++)
        {
            perm[i] = _items[perm[i]];
        }
        return perm;
    }
}
