using System.Text.RegularExpressions;

namespace ActorCodistill.Workers.Data;

/// <summary>
/// Cuts text into the chunks BPE merges within. The chunks always tile the whole string (gaps
/// between regex matches become chunks too) and never split a surrogate pair, which is what makes
/// <c>Decode(Encode(x)) == x</c> hold for every well-formed UTF-16 string.
/// </summary>
internal sealed class PreTokenizer
{
    private readonly Regex _regex;
    private readonly int _maxChunkChars;

    public PreTokenizer(string pattern, int maxChunkChars)
    {
        _regex = new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);
        _maxChunkChars = maxChunkChars;
    }

    /// <summary>Calls <paramref name="onChunk"/> with (start, length) of each chunk, in order.</summary>
    public void Split(string text, Action<int, int> onChunk)
    {
        var pos = 0;
        foreach (var match in _regex.EnumerateMatches(text))
        {
            if (match.Length == 0)
            {
                continue;
            }
            if (match.Index > pos)
            {
                Emit(text, pos, match.Index, onChunk, out pos);
            }
            var end = match.Index + match.Length;
            // A pattern may end a match between a high and a low surrogate; moving the cut keeps
            // both halves in one chunk so each chunk is well-formed UTF-16 on its own.
            Emit(text, Math.Max(pos, match.Index), end, onChunk, out pos);
        }
        if (pos < text.Length)
        {
            Emit(text, pos, text.Length, onChunk, out _);
        }
    }

    private void Emit(string text, int start, int end, Action<int, int> onChunk, out int newPos)
    {
        if (end < text.Length && end > start && char.IsHighSurrogate(text[end - 1]) && char.IsLowSurrogate(text[end]))
        {
            end++;
        }
        if (end <= start)
        {
            newPos = start;
            return;
        }
        var s = start;
        while (end - s > _maxChunkChars)
        {
            var cut = s + _maxChunkChars;
            if (char.IsLowSurrogate(text[cut]) && char.IsHighSurrogate(text[cut - 1]))
            {
                cut--;
            }
            onChunk(s, cut - s);
            s = cut;
        }
        onChunk(s, end - s);
        newPos = end;
    }
}
