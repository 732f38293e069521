namespace ActorCodistill.Workers.Data;

/// <summary>How <see cref="BpeTokenizer.Train"/> cuts text into chunks and when it stops merging.</summary>
public sealed record TokenizerOptions
{
    /// <summary>
    /// GPT-2's pre-tokenization pattern: contractions, optionally space-prefixed runs of letters,
    /// digits or other symbols, and whitespace runs. Merges never cross a chunk boundary, so a
    /// token is at most one "word" with its leading space.
    /// </summary>
    public const string Gpt2Pattern =
        @"'(?:s|t|re|ve|m|ll|d)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    public static TokenizerOptions Default { get; } = new();

    /// <summary>Regex whose matches are the chunks; text it does not match becomes chunks of its own.</summary>
    public string Pattern { get; init; } = Gpt2Pattern;

    /// <summary>
    /// Longer chunks (a page of dashes, a long whitespace run) are cut into pieces of at most this
    /// many UTF-16 chars, which bounds the quadratic per-chunk merge loop when encoding.
    /// </summary>
    public int MaxChunkChars { get; init; } = 64;

    /// <summary>Training stops early when the most frequent pair occurs fewer times than this.</summary>
    public int MinPairCount { get; init; } = 2;

    internal void Validate()
    {
        if (string.IsNullOrEmpty(Pattern))
        {
            throw new ArgumentException("TokenizerOptions.Pattern must be a non-empty regex.");
        }
        if (MaxChunkChars < 2)
        {
            throw new ArgumentException($"TokenizerOptions.MaxChunkChars must be at least 2, got {MaxChunkChars}.");
        }
        if (MinPairCount < 1)
        {
            throw new ArgumentException($"TokenizerOptions.MinPairCount must be at least 1, got {MinPairCount}.");
        }
    }
}
