namespace ActorCodistill.Workers.Data;

/// <summary>
/// SplitMix64 generator. System.Random's seeded sequence is an implementation detail of the
/// runtime; shards, shuffles and synthetic data must be identical on every node and every
/// .NET version, so the data layer uses this fixed algorithm instead.
/// </summary>
public sealed class SeededRandom
{
    private ulong _state;

    public SeededRandom(ulong seed) => _state = seed;

    public SeededRandom(long seed) : this(unchecked((ulong)seed)) { }

    /// <summary>Mixes several values into one seed, so (seed, epoch) or (seed, group, worker) streams are independent.</summary>
    public static ulong Derive(long seed, params long[] parts)
    {
        var h = Mix(unchecked((ulong)seed) ^ 0x9E3779B97F4A7C15UL);
        foreach (var p in parts)
        {
            h = Mix(h ^ Mix(unchecked((ulong)p) + 0x632BE59BD9B4E019UL));
        }
        return h;
    }

    /// <summary><see cref="Derive"/> as a signed value, for APIs that take <c>long</c> seeds.</summary>
    public static long DeriveSigned(long seed, params long[] parts) => unchecked((long)Derive(seed, parts));

    public ulong NextUInt64()
    {
        _state = unchecked(_state + 0x9E3779B97F4A7C15UL);
        return Mix(_state);
    }

    /// <summary>Uniform integer in [0, maxExclusive); rejection sampling keeps it unbiased.</summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        var bound = (ulong)maxExclusive;
        var limit = ulong.MaxValue - (ulong.MaxValue % bound);
        ulong x;
        do
        {
            x = NextUInt64();
        }
        while (x >= limit);
        return (int)(x % bound);
    }

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Standard normal sample (Box-Muller).</summary>
    public double NextGaussian()
    {
        var u1 = 1.0 - NextDouble();
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Fisher-Yates shuffle in place.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>A seeded permutation of 0..count-1.</summary>
    public static int[] Permutation(int count, ulong seed)
    {
        var perm = new int[count];
        for (var i = 0; i < count; i++)
        {
            perm[i] = i;
        }
        new SeededRandom(seed).Shuffle(perm.AsSpan());
        return perm;
    }

    private static ulong Mix(ulong z)
    {
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
