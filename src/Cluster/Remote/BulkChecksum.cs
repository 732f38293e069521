using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ActorCodistill.Cluster.Remote;

/// <summary>
/// A Fletcher-style checksum over 8 parallel 32-bit lanes (sum and sum-of-sums per lane), folded to 64 bits.
/// It catches flipped bits, truncation and reordered blocks at memory speed: System.IO.Hashing (CRC/xxHash) is not
/// in this workplace's package copy, and the point is transport corruption, not adversaries (the HMAC handshake
/// and optional TLS cover those). It is incremental, so the bulk channel checksums each chunk while it is still in
/// cache instead of making an extra pass over tens of MB.
/// </summary>
public static class BulkChecksum
{
    /// <summary>Every append but the last must be a multiple of this many bytes (bulk chunk sizes are).</summary>
    public const int BlockSize = 32;

    public static ulong Compute(ReadOnlySpan<byte> data)
    {
        var accumulator = new Accumulator();
        accumulator.Append(data);
        return accumulator.Value;
    }

    public struct Accumulator
    {
        private Vector256<uint> _sum;
        private Vector256<uint> _sumOfSums;
        private ulong _tailHash;
        private long _length;
        private bool _sealed;

        /// <summary>Adds bytes; a length that is not a multiple of <see cref="BlockSize"/> ends the stream.</summary>
        public void Append(ReadOnlySpan<byte> data)
        {
            if (_sealed && !data.IsEmpty) throw new InvalidOperationException($"checksum already ended by a block shorter than {BlockSize} bytes");
            var blocks = data.Length / BlockSize;
            var words = MemoryMarshal.Cast<byte, uint>(data[..(blocks * BlockSize)]);
            ref var start = ref MemoryMarshal.GetReference(words);
            var sum = _sum;
            var sumOfSums = _sumOfSums;
            for (nuint offset = 0, end = (nuint)words.Length; offset < end; offset += (nuint)Vector256<uint>.Count)
            {
                sum += Vector256.LoadUnsafe(ref start, offset);
                sumOfSums += sum;
            }
            _sum = sum;
            _sumOfSums = sumOfSums;
            _length += data.Length;
            var tail = data[(blocks * BlockSize)..];
            if (tail.IsEmpty) return;
            _sealed = true;
            var hash = 0xCBF29CE484222325UL;
            foreach (var b in tail) hash = (hash ^ b) * 0x100000001B3UL;
            _tailHash = hash;
        }

        public readonly ulong Value
        {
            get
            {
                var hash = 0xCBF29CE484222325UL ^ (ulong)_length;
                for (var lane = 0; lane < Vector256<uint>.Count; lane++)
                {
                    hash = (hash ^ _sum.GetElement(lane)) * 0x100000001B3UL;
                    hash = (hash ^ _sumOfSums.GetElement(lane)) * 0x100000001B3UL;
                }
                hash = (hash ^ _tailHash) * 0x100000001B3UL;
                return hash ^ (hash >> 29);
            }
        }
    }
}
