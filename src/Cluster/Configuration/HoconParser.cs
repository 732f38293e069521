using System.Text;
using System.Text.RegularExpressions;

namespace ActorCodistill.Cluster.Configuration;

/// <summary>
/// Recursive-descent parser from text to an unresolved <see cref="HoconObject"/>. It works on characters
/// directly (no token stream) because HOCON's meaning of whitespace depends on what surrounds it.
/// Includes are parsed and merged here; substitutions are left for <see cref="HoconResolver"/>.
/// </summary>
internal sealed partial class HoconParser
{
    private static readonly IReadOnlyList<string> RootPath = [];

    private readonly string _text;
    private readonly string _source;
    private readonly string _baseDirectory;
    private readonly IReadOnlyList<string> _includeChain;
    private readonly List<int> _lineStarts = [0];
    private int _pos;

    private HoconParser(string text, string source, string baseDirectory, IReadOnlyList<string> includeChain)
    {
        _text = text;
        _source = source;
        _baseDirectory = baseDirectory;
        _includeChain = includeChain;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                _lineStarts.Add(i + 1);
            }
        }
    }

    public static HoconObject ParseText(string text, string source, string? baseDirectory) =>
        new HoconParser(text.Replace("\r\n", "\n", StringComparison.Ordinal), source,
            baseDirectory ?? Directory.GetCurrentDirectory(), []).ParseRoot();

    public static HoconObject ParseFile(string path) => ParseFile(Path.GetFullPath(path), [], null);

    private static HoconObject ParseFile(string fullPath, IReadOnlyList<string> includeChain, HoconOrigin? includedAt)
    {
        string text;
        try
        {
            text = File.ReadAllText(fullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var problem = includedAt is { } at
                ? $"cannot read included file '{fullPath}' (included from {at.Source}): {e.Message}"
                : $"cannot read configuration file: {e.Message}";
            throw new HoconException(includedAt ?? new HoconOrigin(fullPath, 0, 0), problem, e);
        }

        var chain = includeChain.Append(fullPath).ToList();
        return new HoconParser(text.Replace("\r\n", "\n", StringComparison.Ordinal), fullPath,
            Path.GetDirectoryName(fullPath) ?? Directory.GetCurrentDirectory(), chain).ParseRoot();
    }

    private HoconOrigin OriginAt(int index)
    {
        var line = _lineStarts.BinarySearch(index);
        if (line < 0)
        {
            line = ~line - 1;
        }

        return new HoconOrigin(_source, line + 1, index - _lineStarts[line] + 1);
    }

    private HoconException Error(int index, string problem) => new(OriginAt(index), problem);

    private bool AtEnd => _pos >= _text.Length;

    private char Peek(int ahead = 0) => _pos + ahead < _text.Length ? _text[_pos + ahead] : '\0';

    private bool AtComment => Peek() == '#' || (Peek() == '/' && Peek(1) == '/');

    private static string Describe(char c) => c switch
    {
        '\0' => "end of file",
        '\n' => "end of line",
        _ => $"'{c}'",
    };

    private string DescribeHere() => AtEnd ? "end of file" : Describe(Peek());

    // ---- whitespace and comments ------------------------------------------------------------

    private void SkipInlineWhitespace()
    {
        while (!AtEnd && Peek() != '\n' && (char.IsWhiteSpace(Peek()) || Peek() == '\uFEFF'))
        {
            _pos++;
        }
    }

    private void SkipComment()
    {
        while (!AtEnd && Peek() != '\n')
        {
            _pos++;
        }
    }

    /// <summary>Skips spaces and a trailing comment, stopping at (not after) the newline.</summary>
    private void SkipToEndOfLineIfBlank()
    {
        SkipInlineWhitespace();
        if (AtComment)
        {
            SkipComment();
        }
    }

    private void SkipWhitespaceNewlinesAndComments()
    {
        while (!AtEnd)
        {
            if (char.IsWhiteSpace(Peek()) || Peek() == '\uFEFF')
            {
                _pos++;
            }
            else if (AtComment)
            {
                SkipComment();
            }
            else
            {
                return;
            }
        }
    }

    // ---- objects -----------------------------------------------------------------------------

    private HoconObject ParseRoot()
    {
        SkipWhitespaceNewlinesAndComments();
        if (Peek() == '[')
        {
            throw Error(_pos, "the document root is an array (expected an object: 'key = value' lines or '{ ... }')");
        }

        HoconObject root;
        if (Peek() == '{')
        {
            var open = _pos++;
            root = ParseObjectBody(open, RootPath);
            SkipWhitespaceNewlinesAndComments();
            if (!AtEnd)
            {
                throw Error(_pos, $"unexpected {DescribeHere()} after the closing '}}' of the root object (expected end of file)");
            }
        }
        else
        {
            root = ParseObjectBody(-1, RootPath);
        }

        return root;
    }

    /// <summary>Parses fields until the matching '}' (when <paramref name="openBrace"/> >= 0) or end of file.</summary>
    private HoconObject ParseObjectBody(int openBrace, IReadOnlyList<string> path)
    {
        var obj = new HoconObject(OriginAt(openBrace >= 0 ? openBrace : _pos));
        while (true)
        {
            SkipWhitespaceNewlinesAndComments();
            if (AtEnd)
            {
                if (openBrace >= 0)
                {
                    var o = OriginAt(openBrace);
                    throw Error(_pos, $"unbalanced braces: '{{' opened at {o.Line}:{o.Column} is never closed (expected '}}' before end of file)");
                }

                return obj;
            }

            var c = Peek();
            if (c == '}')
            {
                if (openBrace < 0)
                {
                    throw Error(_pos, "unbalanced braces: '}' has no matching '{' (expected a key or end of file)");
                }

                _pos++;
                return obj;
            }

            if (c == ',')
            {
                throw Error(_pos, "unexpected ',' (expected a key; a comma may only follow a field)");
            }

            if (IsIncludeHere())
            {
                ParseInclude(obj, path);
            }
            else
            {
                ParseField(obj, path);
            }

            SkipToEndOfLineIfBlank();
            if (Peek() == ',')
            {
                _pos++;
            }
            else if (!AtEnd && Peek() != '\n' && Peek() != '}')
            {
                throw Error(_pos, $"unexpected {DescribeHere()} after a field (expected ',', a newline or '}}')");
            }
        }
    }

    private void ParseField(HoconObject obj, IReadOnlyList<string> path)
    {
        var keyStart = _pos;
        var key = ParseKey();
        SkipInlineWhitespace();
        var fieldPath = path.Concat(key).ToList();
        HoconValue value;
        var c = Peek();
        if (c == '{')
        {
            var open = _pos++;
            value = ParseObjectBody(open, fieldPath);
        }
        else if (c is '=' or ':' || (c == '+' && Peek(1) == '='))
        {
            var append = c == '+';
            var separator = _pos;
            _pos += append ? 2 : 1;
            SkipInlineWhitespace();
            var parsed = ParseValue(fieldPath)
                ?? throw Error(_pos, $"missing value for key '{HoconPath.Render(key)}' after '{(append ? "+=" : c.ToString())}' " +
                                     $"(expected a value on the same line, found {DescribeHere()})");
            value = append
                ? new HoconConcatenation(OriginAt(separator), [
                    new HoconSubstitution(OriginAt(separator), fieldPath, optional: true),
                    new HoconArray(parsed.Origin, [parsed]),
                ])
                : parsed;
        }
        else
        {
            throw Error(_pos, $"unexpected {DescribeHere()} after key '{HoconPath.Render(key)}' (expected '=', ':', '+=' or '{{')");
        }

        for (var i = key.Count - 1; i > 0; i--)
        {
            var wrapper = new HoconObject(OriginAt(keyStart));
            wrapper.Set(key[i], value);
            value = wrapper;
        }

        HoconMerge.MergeField(obj, key[0], value, path);
    }

    /// <summary>A key path: unquoted runs split on '.', quoted parts kept whole, inner spaces kept.</summary>
    private List<string> ParseKey()
    {
        var start = _pos;
        var segments = new List<string>();
        var current = new StringBuilder();
        var hasContent = false;
        while (!AtEnd)
        {
            var c = Peek();
            if (c == '"')
            {
                if (Peek(1) == '"' && Peek(2) == '"')
                {
                    throw Error(_pos, "a key cannot be a triple-quoted string (expected a quoted or unquoted key)");
                }

                current.Append(ParseQuotedString());
                hasContent = true;
            }
            else if (c == '.')
            {
                if (!hasContent)
                {
                    throw Error(_pos, "empty key segment (expected a key before '.')");
                }

                segments.Add(current.ToString());
                current.Clear();
                hasContent = false;
                _pos++;
            }
            else if (HoconPath.IsUnquotedChar(c) && !AtComment)
            {
                current.Append(c);
                hasContent = true;
                _pos++;
            }
            else if (c is ' ' or '\t' && hasContent)
            {
                // Whitespace inside a key ("a b = 1") belongs to it only if more key follows.
                var save = _pos;
                SkipInlineWhitespace();
                var next = Peek();
                if (next == '"' || (HoconPath.IsUnquotedChar(next) && !AtComment))
                {
                    current.Append(_text, save, _pos - save);
                }
                else
                {
                    _pos = save;
                    break;
                }
            }
            else
            {
                break;
            }
        }

        if (!hasContent)
        {
            throw _pos == start
                ? Error(_pos, $"unexpected {DescribeHere()} (expected a key)")
                : Error(_pos, "empty key segment (expected a key after '.')");
        }

        segments.Add(current.ToString());
        return segments;
    }

    // ---- values ------------------------------------------------------------------------------

    /// <summary>
    /// One value, possibly a concatenation of several written side by side on one line; null when no
    /// value starts here. <paramref name="fieldPath"/> is the path of objects parsed inside it.
    /// </summary>
    private HoconValue? ParseValue(IReadOnlyList<string> fieldPath)
    {
        var parts = new List<HoconValue>();
        var start = _pos;
        var singleUnquoted = false;
        while (!AtEnd)
        {
            var c = Peek();
            if (c is '\n' or ',' or '}' or ']' || AtComment)
            {
                break;
            }

            var partStart = _pos;
            HoconValue part;
            singleUnquoted = false;
            if (c == '{')
            {
                _pos++;
                part = ParseObjectBody(partStart, fieldPath);
            }
            else if (c == '[')
            {
                part = ParseArray(fieldPath);
            }
            else if (c == '"')
            {
                var text = Peek(1) == '"' && Peek(2) == '"' ? ParseTripleQuotedString() : ParseQuotedString();
                part = new HoconScalar(OriginAt(partStart), text, HoconScalarKind.String);
            }
            else if (c == '$' && Peek(1) == '{')
            {
                part = ParseSubstitution();
            }
            else if (HoconPath.IsUnquotedChar(c))
            {
                while (!AtEnd && HoconPath.IsUnquotedChar(Peek()) && !AtComment)
                {
                    _pos++;
                }

                part = new HoconScalar(OriginAt(partStart), _text[partStart.._pos], HoconScalarKind.String);
                singleUnquoted = true;
            }
            else
            {
                throw Error(_pos, $"unexpected {DescribeHere()} (expected a value; quote strings containing {Describe(c)})");
            }

            parts.Add(part);
            var wsStart = _pos;
            SkipInlineWhitespace();
            var next = Peek();
            if (_pos > wsStart && !AtEnd && next is not ('\n' or ',' or '}' or ']') && !AtComment)
            {
                parts.Add(new HoconWhitespace(OriginAt(wsStart), _text[wsStart.._pos]));
            }
        }

        return parts.Count switch
        {
            0 => null,
            1 when singleUnquoted => Classify((HoconScalar)parts[0]),
            1 => parts[0],
            _ => new HoconConcatenation(OriginAt(start), parts),
        };
    }

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$")]
    private static partial Regex NumberPattern();

    private static HoconScalar Classify(HoconScalar unquoted) => unquoted.Text switch
    {
        "true" or "false" => new HoconScalar(unquoted.Origin, unquoted.Text, HoconScalarKind.Boolean),
        "null" => new HoconScalar(unquoted.Origin, null, HoconScalarKind.Null),
        { } t when NumberPattern().IsMatch(t) => new HoconScalar(unquoted.Origin, t, HoconScalarKind.Number),
        _ => unquoted,
    };

    private HoconArray ParseArray(IReadOnlyList<string> fieldPath)
    {
        var open = _pos++;
        var items = new List<HoconValue>();
        while (true)
        {
            SkipWhitespaceNewlinesAndComments();
            if (AtEnd)
            {
                var o = OriginAt(open);
                throw Error(_pos, $"unbalanced brackets: '[' opened at {o.Line}:{o.Column} is never closed (expected ']' before end of file)");
            }

            if (Peek() == ']')
            {
                _pos++;
                return new HoconArray(OriginAt(open), items);
            }

            var item = ParseValue(fieldPath)
                       ?? throw Error(_pos, $"unexpected {DescribeHere()} in array (expected a value or ']')");
            items.Add(item);
            SkipToEndOfLineIfBlank();
            if (Peek() == ',')
            {
                _pos++;
            }
            else if (!AtEnd && Peek() != '\n' && Peek() != ']')
            {
                throw Error(_pos, $"unexpected {DescribeHere()} in array (expected ',', a newline or ']')");
            }
        }
    }

    private string ParseQuotedString()
    {
        var open = _pos++;
        var sb = new StringBuilder();
        while (true)
        {
            if (AtEnd || Peek() == '\n')
            {
                throw Error(open, $"unterminated quoted string (expected a closing '\"' before {DescribeHere()})");
            }

            var c = _text[_pos++];
            if (c == '"')
            {
                return sb.ToString();
            }

            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }

            var escapeAt = _pos - 1;
            var e = AtEnd ? '\0' : _text[_pos++];
            switch (e)
            {
                case '"': sb.Append('"'); break;
                case '\\': sb.Append('\\'); break;
                case '/': sb.Append('/'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'u':
                    if (_pos + 4 > _text.Length || !int.TryParse(_text.AsSpan(_pos, 4), System.Globalization.NumberStyles.HexNumber,
                            System.Globalization.CultureInfo.InvariantCulture, out var code))
                    {
                        throw Error(escapeAt, "bad unicode escape (expected \\u followed by four hex digits)");
                    }

                    sb.Append((char)code);
                    _pos += 4;
                    break;
                default:
                    throw Error(escapeAt, $"unknown escape '\\{(e == '\0' ? "" : e.ToString())}' " +
                                          "(expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
            }
        }
    }

    private string ParseTripleQuotedString()
    {
        var open = _pos;
        var close = _text.IndexOf("\"\"\"", open + 3, StringComparison.Ordinal);
        if (close < 0)
        {
            throw Error(open, "unterminated triple-quoted string (expected a closing '\"\"\"' before end of file)");
        }

        // Per the spec, quotes right before the closing three belong to the string: """a"""" is a".
        while (close + 3 < _text.Length && _text[close + 3] == '"')
        {
            close++;
        }

        _pos = close + 3;
        return _text[(open + 3)..close];
    }

    private HoconSubstitution ParseSubstitution()
    {
        var open = _pos;
        _pos += 2;
        var optional = Peek() == '?';
        if (optional)
        {
            _pos++;
        }

        SkipInlineWhitespace();
        if (Peek() == '}')
        {
            throw Error(open, "empty substitution '${}' (expected a path such as ${a.b})");
        }

        List<string> path;
        try
        {
            path = ParseKey();
        }
        catch (HoconException e)
        {
            throw Error(open, $"bad substitution path: {e.Problem}");
        }

        SkipInlineWhitespace();
        if (Peek() != '}')
        {
            throw Error(open, $"unterminated substitution (expected '}}' after ${{{(optional ? "?" : "")}{HoconPath.Render(path)}, found {DescribeHere()})");
        }

        _pos++;
        return new HoconSubstitution(OriginAt(open), path, optional);
    }

    // ---- includes ----------------------------------------------------------------------------

    private bool IsIncludeHere()
    {
        if (string.CompareOrdinal(_text, _pos, "include", 0, 7) != 0)
        {
            return false;
        }

        var i = _pos + 7;
        if (i >= _text.Length || _text[i] is not (' ' or '\t'))
        {
            return false;
        }

        while (i < _text.Length && _text[i] is ' ' or '\t')
        {
            i++;
        }

        return i < _text.Length && (_text[i] == '"' || MatchesWord(i, "required(") || MatchesWord(i, "file(")
                                    || MatchesWord(i, "url(") || MatchesWord(i, "classpath("));
    }

    private bool MatchesWord(int at, string word) => string.CompareOrdinal(_text, at, word, 0, word.Length) == 0;

    private void ParseInclude(HoconObject obj, IReadOnlyList<string> path)
    {
        var at = _pos;
        _pos += 7;
        SkipInlineWhitespace();
        var wrappers = 0;
        while (Peek() != '"')
        {
            var wordStart = _pos;
            while (!AtEnd && char.IsLetter(Peek()))
            {
                _pos++;
            }

            var word = _text[wordStart.._pos];
            if (word is "url" or "classpath")
            {
                throw Error(at, $"include {word}(...) is not supported (expected include \"file\", include file(\"...\") or include required(\"...\"))");
            }

            if (word is not ("required" or "file") || Peek() != '(')
            {
                throw Error(wordStart, $"unexpected {DescribeHere()} in include (expected a quoted file name)");
            }

            _pos++;
            wrappers++;
            SkipInlineWhitespace();
        }

        var nameAt = _pos;
        var name = ParseQuotedString();
        for (var i = 0; i < wrappers; i++)
        {
            SkipInlineWhitespace();
            if (Peek() != ')')
            {
                throw Error(_pos, $"unexpected {DescribeHere()} in include (expected ')')");
            }

            _pos++;
        }

        var full = Path.GetFullPath(Path.IsPathRooted(name) ? name : Path.Combine(_baseDirectory, name));
        var origin = OriginAt(nameAt);
        if (!File.Exists(full))
        {
            throw Error(nameAt, $"included file '{full}' not found (included from {_source}; relative names resolve against {_baseDirectory})");
        }

        if (_includeChain.Contains(full, StringComparer.Ordinal))
        {
            throw Error(nameAt, $"include cycle: {string.Join(" -> ", _includeChain.Append(full))} (expected files that do not include each other)");
        }

        var included = ParseFile(full, _includeChain.Count == 0 ? new[] { _source } : _includeChain, origin);
        if (path.Count > 0)
        {
            Relativize(included, path);
        }

        HoconMerge.MergeObject(obj, included, path);
    }

    /// <summary>Makes substitutions in a file included below the root look under the include location first.</summary>
    private static void Relativize(HoconObject obj, IReadOnlyList<string> prefix)
    {
        foreach (var key in obj.Keys)
        {
            obj.Set(key, Relativize(obj[key], prefix));
        }
    }

    private static HoconValue Relativize(HoconValue value, IReadOnlyList<string> prefix)
    {
        switch (value)
        {
            case HoconSubstitution s:
                return new HoconSubstitution(s.Origin, prefix.Concat(s.Path).ToList(), s.Optional, s.FallbackPath ?? s.Path);
            case HoconObject o:
                Relativize(o, prefix);
                return o;
            case HoconArray a:
                for (var i = 0; i < a.MutableItems.Count; i++)
                {
                    a.MutableItems[i] = Relativize(a.MutableItems[i], prefix);
                }

                return a;
            case HoconConcatenation c:
                return new HoconConcatenation(c.Origin, c.Parts.Select(p => Relativize(p, prefix)).ToList());
            case HoconDelayedMerge d:
                return new HoconDelayedMerge(Relativize(d.Earlier, prefix), Relativize(d.Later, prefix));
            case HoconPriorValue p:
                return new HoconPriorValue(p.Reference, p.Earlier is null ? null : Relativize(p.Earlier, prefix), p.Remainder);
            default:
                return value;
        }
    }
}
