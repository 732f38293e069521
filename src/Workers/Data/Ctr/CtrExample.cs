namespace ActorCodistill.Workers.Data;

/// <summary>
/// One click-through example: label 0 or 1, the 13 integer features as log(1 + x) (0 for
/// missing, zero or negative values), and the 26 categorical features hashed to buckets
/// (bucket 0 = missing).
/// </summary>
public sealed record CtrExample(float Label, float[] Dense, int[] HashedCategorical)
{
    public const int DenseCount = 13;
    public const int CategoricalCount = 26;
    public const int FieldCount = 1 + DenseCount + CategoricalCount;
    public const int MissingBucket = 0;
}

/// <summary>64-bit FNV-1a: fixed by specification, so hashed features agree across nodes, runs and .NET versions (string.GetHashCode does not).</summary>
public static class Fnv1a64
{
    public const ulong OffsetBasis = 14695981039346656037UL;
    public const ulong Prime = 1099511628211UL;

    public static ulong Hash(ReadOnlySpan<byte> bytes, ulong hash = OffsetBasis)
    {
        foreach (var b in bytes)
        {
            hash = unchecked((hash ^ b) * Prime);
        }
        return hash;
    }
}
