using System.Text;

namespace ActorCodistill.Cluster.Configuration;

/// <summary>Dotted key paths: <c>a.b.c</c>, with double quotes around segments that hold dots or spaces.</summary>
public static class HoconPath
{
    private const string Forbidden = "$\"{}[]:=,+#`^?!@*&\\";

    /// <summary>Characters that may appear in an unquoted string or key (HOCON spec, "Unquoted strings").</summary>
    internal static bool IsUnquotedChar(char c) => !char.IsWhiteSpace(c) && Forbidden.IndexOf(c) < 0;

    /// <summary>Splits a path; throws <see cref="FormatException"/> naming the path when it is malformed.</summary>
    public static IReadOnlyList<string> Parse(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var segments = new List<string>();
        var current = new StringBuilder();
        var segmentHasContent = false;
        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (c == '"')
            {
                var end = path.IndexOf('"', i + 1);
                if (end < 0)
                {
                    throw new FormatException($"path '{path}': unterminated quote (expected a closing '\"')");
                }

                current.Append(path, i + 1, end - i - 1);
                segmentHasContent = true;
                i = end;
            }
            else if (c == '.')
            {
                if (!segmentHasContent)
                {
                    throw new FormatException($"path '{path}': empty segment (expected a key between dots)");
                }

                segments.Add(current.ToString());
                current.Clear();
                segmentHasContent = false;
            }
            else
            {
                current.Append(c);
                segmentHasContent = true;
            }
        }

        if (!segmentHasContent)
        {
            throw new FormatException($"path '{path}': empty segment (expected a key)");
        }

        segments.Add(current.ToString());
        return segments;
    }

    /// <summary>Writes a path back, quoting segments that would not survive <see cref="Parse"/> unquoted.</summary>
    public static string Render(IEnumerable<string> segments) => string.Join('.', segments.Select(RenderKey));

    internal static string RenderKey(string key)
    {
        var plain = key.Length > 0 && !key.StartsWith("//", StringComparison.Ordinal)
            && key.All(c => c != '.' && IsUnquotedChar(c)) && key != "include";
        return plain ? key : Quote(key);
    }

    /// <summary>JSON-style quoting, which every HOCON reader accepts.</summary>
    internal static string Quote(string text)
    {
        var sb = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (char.IsControl(c))
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.Append('"').ToString();
    }
}
