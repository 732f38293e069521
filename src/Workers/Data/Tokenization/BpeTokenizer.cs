using System.Buffers;
using System.Collections.Concurrent;
using System.Text;

namespace ActorCodistill.Workers.Data;

/// <summary>
/// Byte-level BPE. Ids 0..255 are the raw bytes, 256 is <c>&lt;eod&gt;</c>, 257 is
/// <c>&lt;pad&gt;</c>, and 258.. are learned merges in the order they were learned.
/// <para>
/// Round trip: for every well-formed UTF-16 string <c>x</c> (no lone surrogates),
/// <c>Decode(Encode(x)) == x</c>. Encode works on the UTF-8 bytes of <c>x</c>; a lone surrogate has
/// no UTF-8 form and is encoded as U+FFFD (the .NET replacement behaviour), so such strings come
/// back with U+FFFD in its place. Encode never produces the special ids: text that reads
/// "&lt;eod&gt;" is encoded as ordinary bytes; callers append <see cref="EodId"/> themselves.
/// Decode renders special ids as their names and invalid UTF-8 (a byte sequence cut mid-character)
/// as U+FFFD.
/// </para>
/// Encode and Decode are thread-safe.
/// </summary>
public sealed partial class BpeTokenizer
{
    public const int ByteCount = 256;
    public const string EodToken = "<eod>";
    public const string PadToken = "<pad>";
    internal const int FirstMergeId = ByteCount + 2;
    private const int MaxCachedChunks = 1 << 18;

    private readonly (int Left, int Right)[] _merges;
    private readonly Dictionary<long, int> _mergeRank;
    private readonly byte[][] _tokenBytes;
    private readonly PreTokenizer _preTokenizer;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    private BpeTokenizer(IReadOnlyList<(int Left, int Right)> merges, TokenizerOptions options)
    {
        options.Validate();
        Options = options;
        _merges = [.. merges];
        _mergeRank = new Dictionary<long, int>(_merges.Length);
        _tokenBytes = new byte[FirstMergeId + _merges.Length][];
        for (var b = 0; b < ByteCount; b++)
        {
            _tokenBytes[b] = [(byte)b];
        }
        _tokenBytes[EodId] = Encoding.UTF8.GetBytes(EodToken);
        _tokenBytes[PadId] = Encoding.UTF8.GetBytes(PadToken);
        for (var r = 0; r < _merges.Length; r++)
        {
            var (l, rt) = _merges[r];
            var id = FirstMergeId + r;
            if (!IsMergeable(l, id) || !IsMergeable(rt, id))
            {
                throw new ArgumentException($"Merge {r} ({l}, {rt}) refers to a special token or a later id.");
            }
            _mergeRank[BpeTrainer.Key(l, rt)] = r;
            _tokenBytes[id] = [.. _tokenBytes[l], .. _tokenBytes[rt]];
        }
        _preTokenizer = new PreTokenizer(options.Pattern, options.MaxChunkChars);
    }

    public int EodId => ByteCount;

    public int PadId => ByteCount + 1;

    /// <summary>Bytes + specials + merges. May be below the requested size when training ran out of pairs.</summary>
    public int VocabSize => _tokenBytes.Length;

    public int MergeCount => _merges.Length;

    public TokenizerOptions Options { get; }

    public IReadOnlyList<(int Left, int Right)> Merges => _merges;

    /// <summary>
    /// Learns <c>vocabSize - 258</c> merges (fewer if no pair reaches
    /// <see cref="TokenizerOptions.MinPairCount"/>).
    /// </summary>
    public static BpeTokenizer Train(IEnumerable<string> documents, int vocabSize, TokenizerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(documents);
        options ??= TokenizerOptions.Default;
        options.Validate();
        if (vocabSize < FirstMergeId)
        {
            throw new ArgumentOutOfRangeException(nameof(vocabSize), vocabSize,
                $"vocabSize must be at least {FirstMergeId} (256 bytes + {EodToken} + {PadToken}).");
        }
        var merges = BpeTrainer.LearnMerges(documents, vocabSize - FirstMergeId, options);
        return new BpeTokenizer(merges, options);
    }

    /// <summary>Builds a tokenizer from an explicit merge list (ids as in <see cref="Merges"/>).</summary>
    public static BpeTokenizer FromMerges(IReadOnlyList<(int Left, int Right)> merges, TokenizerOptions? options = null) =>
        new(merges, options ?? TokenizerOptions.Default);

    /// <summary>The bytes a token stands for (special tokens: their names in UTF-8).</summary>
    public ReadOnlySpan<byte> TokenBytes(int id)
    {
        CheckId(id);
        return _tokenBytes[id];
    }

    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new List<int>(text.Length / 3 + 1);
        _preTokenizer.Split(text, (start, length) => result.AddRange(EncodeChunk(text, start, length)));
        return [.. result];
    }

    public string Decode(ReadOnlySpan<int> ids)
    {
        var total = 0;
        foreach (var id in ids)
        {
            CheckId(id);
            total += _tokenBytes[id].Length;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(total, 1));
        try
        {
            var pos = 0;
            foreach (var id in ids)
            {
                var bytes = _tokenBytes[id];
                bytes.CopyTo(buffer, pos);
                pos += bytes.Length;
            }
            return Encoding.UTF8.GetString(buffer, 0, total);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private int[] EncodeChunk(string text, int start, int length)
    {
        var span = text.AsSpan(start, length);
        var lookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(span, out var cached))
        {
            return cached;
        }
        var encoded = ApplyMerges(span);
        // The cache is only an accelerator: past the cap, new chunks are encoded every time
        // rather than evicting, which keeps it lock-free and bounded.
        if (_cache.Count < MaxCachedChunks)
        {
            lookup.TryAdd(span, encoded);
        }
        return encoded;
    }

    /// <summary>
    /// Applies merges lowest rank first until none applies; this reproduces the training-time
    /// order, because a merge can only be enabled by merges of lower rank.
    /// </summary>
    private int[] ApplyMerges(ReadOnlySpan<char> chunk)
    {
        var byteCount = Encoding.UTF8.GetByteCount(chunk);
        Span<byte> bytes = byteCount <= 512 ? stackalloc byte[byteCount] : new byte[byteCount];
        Encoding.UTF8.GetBytes(chunk, bytes);
        var symbols = new int[byteCount];
        for (var i = 0; i < byteCount; i++)
        {
            symbols[i] = bytes[i];
        }
        var n = byteCount;
        while (n > 1)
        {
            var bestRank = int.MaxValue;
            for (var i = 0; i + 1 < n; i++)
            {
                if (_mergeRank.TryGetValue(BpeTrainer.Key(symbols[i], symbols[i + 1]), out var rank) && rank < bestRank)
                {
                    bestRank = rank;
                }
            }
            if (bestRank == int.MaxValue)
            {
                break;
            }
            var (left, right) = _merges[bestRank];
            var newId = FirstMergeId + bestRank;
            var w = 0;
            for (var i = 0; i < n; i++)
            {
                if (i + 1 < n && symbols[i] == left && symbols[i + 1] == right)
                {
                    symbols[w++] = newId;
                    i++;
                }
                else
                {
                    symbols[w++] = symbols[i];
                }
            }
            n = w;
        }
        return n == symbols.Length ? symbols : symbols[..n];
    }

    private static bool IsMergeable(int id, int newId) =>
        id >= 0 && id < newId && id != ByteCount && id != ByteCount + 1;

    private void CheckId(int id)
    {
        if ((uint)id >= (uint)_tokenBytes.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id outside the vocabulary of {VocabSize}.");
        }
    }
}
