using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ActorCodistill.Workers.Data;

/// <summary>
/// The tokenizer file: UTF-8 text, one record per line, '\n' line ends.
/// <code>
/// actorcodistill-bpe 1
/// pattern "&lt;pre-tokenizer regex as a JSON string&gt;"
/// max-chunk-chars 64
/// specials &lt;eod&gt; &lt;pad&gt;
/// merges N
/// &lt;left id&gt; &lt;right id&gt;      (N lines; line i defines token 258 + i)
/// </code>
/// Only what encoding needs is stored; token bytes are rebuilt from the merges.
/// </summary>
public sealed partial class BpeTokenizer
{
    public const string FileMagic = "actorcodistill-bpe";
    public const int FileVersion = 1;

    public void Save(string path)
    {
        var sb = new StringBuilder();
        sb.Append(FileMagic).Append(' ').Append(FileVersion).Append('\n');
        sb.Append("pattern ").Append(JsonSerializer.Serialize(Options.Pattern)).Append('\n');
        sb.Append("max-chunk-chars ").Append(Options.MaxChunkChars.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("specials ").Append(EodToken).Append(' ').Append(PadToken).Append('\n');
        sb.Append("merges ").Append(_merges.Length.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var (l, r) in _merges)
        {
            sb.Append(l.ToString(CultureInfo.InvariantCulture)).Append(' ')
              .Append(r.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }
        File.WriteAllText(path, sb.ToString(), new UTF8Encoding(false));
    }

    /// <summary>Reads a file written by <see cref="Save"/>; any deviation is an <see cref="InvalidDataException"/> naming file and line.</summary>
    public static BpeTokenizer Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Tokenizer file '{path}' does not exist.", path);
        }
        var lines = File.ReadAllText(path, Encoding.UTF8).Split('\n');
        var lineNo = 0;

        string Next(string expecting)
        {
            if (lineNo >= lines.Length || (lineNo == lines.Length - 1 && lines[lineNo].Length == 0))
            {
                throw Bad(path, lineNo + 1, $"unexpected end of file, expected {expecting}");
            }
            return lines[lineNo++].TrimEnd('\r');
        }

        string Field(string key)
        {
            var line = Next($"'{key} ...'");
            if (!line.StartsWith(key + " ", StringComparison.Ordinal))
            {
                throw Bad(path, lineNo, $"expected '{key} ...', found '{Truncate(line)}'");
            }
            return line[(key.Length + 1)..];
        }

        int IntField(string key)
        {
            var v = Field(key);
            if (!int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                throw Bad(path, lineNo, $"'{key}' must be a non-negative integer, found '{Truncate(v)}'");
            }
            return n;
        }

        var header = Next("header");
        if (header != $"{FileMagic} {FileVersion}")
        {
            throw Bad(path, lineNo, header.StartsWith(FileMagic + " ", StringComparison.Ordinal)
                ? $"unsupported version '{header[(FileMagic.Length + 1)..]}', this build reads version {FileVersion}"
                : $"not a tokenizer file, expected header '{FileMagic} {FileVersion}'");
        }
        string pattern;
        try
        {
            pattern = JsonSerializer.Deserialize<string>(Field("pattern"))
                ?? throw Bad(path, lineNo, "pattern is null");
        }
        catch (JsonException e)
        {
            throw Bad(path, lineNo, $"pattern is not a JSON string ({e.Message})");
        }
        var maxChunk = IntField("max-chunk-chars");
        var specials = Field("specials");
        if (specials != $"{EodToken} {PadToken}")
        {
            throw Bad(path, lineNo, $"expected specials '{EodToken} {PadToken}', found '{Truncate(specials)}'");
        }
        var count = IntField("merges");
        var merges = new List<(int, int)>(count);
        for (var i = 0; i < count; i++)
        {
            var line = Next($"merge {i + 1} of {count}");
            var parts = line.Split(' ');
            var id = FirstMergeId + i;
            if (parts.Length != 2
                || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var l)
                || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var r))
            {
                throw Bad(path, lineNo, $"expected '<left id> <right id>', found '{Truncate(line)}'");
            }
            if (!IsMergeable(l, id) || !IsMergeable(r, id))
            {
                throw Bad(path, lineNo, $"merge ({l}, {r}) for token {id} must refer to byte or earlier merge ids");
            }
            merges.Add((l, r));
        }
        for (var rest = lineNo; rest < lines.Length; rest++)
        {
            if (lines[rest].Trim().Length != 0)
            {
                throw Bad(path, rest + 1, $"unexpected content after {count} merges");
            }
        }
        try
        {
            return new BpeTokenizer(merges, new TokenizerOptions { Pattern = pattern, MaxChunkChars = maxChunk });
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: invalid tokenizer settings: {e.Message}", e);
        }
    }

    private static InvalidDataException Bad(string path, int line, string what) =>
        new($"{path}:{line}: {what}");

    private static string Truncate(string s) => s.Length <= 60 ? s : s[..60] + "...";
}
