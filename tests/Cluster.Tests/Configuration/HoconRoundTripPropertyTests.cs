using System.Collections;
using System.Text;
using ActorCodistill.Cluster.Configuration;

namespace ActorCodistill.Cluster.Tests.Configuration;

/// <summary>
/// Random documents (fixed seeds) written in randomly chosen HOCON styles must parse back to the
/// same tree; a second pass checks <see cref="HoconRenderer"/> the same way.
/// </summary>
[Trait("Category", "Unit")]
public class HoconRoundTripPropertyTests
{
    private const string KeyChars = "abcxyz-_09.\" $#{}:/ é";
    private const string StringChars = "ab z09 \"\\\n\t/$}{#:,=é\u0001[]+";

    public static IEnumerable<object[]> Seeds() => Enumerable.Range(1, 200).Select(s => new object[] { s });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void RandomDocument_RenderedInRandomStyle_ParsesBackEqual(int seed)
    {
        var random = new Random(seed);
        var tree = RandomObject(random, depth: 0);
        var text = new StyledWriter(random).Document(tree);

        var parsed = Hocon.Parse(text, $"seed-{seed}.conf", new Hashtable());

        Assert.True(tree.ContentEquals(parsed), $"seed {seed} did not round-trip:\n{text}\n---- parsed back as ----\n{HoconRenderer.Render(parsed)}");
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void RandomDocument_HoconRenderer_ParsesBackEqual(int seed)
    {
        var tree = RandomObject(new Random(seed + 10_000), depth: 0);
        var text = HoconRenderer.Render(tree);
        Assert.True(tree.ContentEquals(Hocon.Parse(text, "rendered.conf", new Hashtable())), text);
    }

    [Fact]
    public void ContentEquals_DetectsASingleChangedLeaf()
    {
        // Guards the property above against a ContentEquals that always says yes.
        var a = Hocon.Parse("x { y = [1, {z = \"q\"}] }", "a", new Hashtable());
        var b = Hocon.Parse("x { y = [1, {z = \"r\"}] }", "b", new Hashtable());
        var c = Hocon.Parse("x { y = [1, {z = q}] }", "c", new Hashtable());
        Assert.False(a.ContentEquals(b));
        Assert.True(a.ContentEquals(c));
    }

    private static readonly HoconOrigin Nowhere = HoconOrigin.Unpositioned("generated");

    private static HoconObject RandomObject(Random random, int depth)
    {
        var obj = new HoconObjectBuilder();
        var count = random.Next(depth == 0 ? 1 : 0, 6);
        for (var i = 0; i < count; i++)
        {
            var key = RandomText(random, KeyChars, 0, 6);
            if (obj.Has(key))
            {
                continue;
            }

            obj.Add(key, RandomValue(random, depth));
        }

        return obj.Build();
    }

    private static HoconValue RandomValue(Random random, int depth)
    {
        var pick = random.Next(depth >= 3 ? 6 : 8);
        return pick switch
        {
            0 => new HoconScalar(Nowhere, RandomText(random, StringChars, 0, 12), HoconScalarKind.String),
            1 => new HoconScalar(Nowhere, RandomWord(random), HoconScalarKind.String),
            2 => new HoconScalar(Nowhere, random.Next(-1000, 1000).ToString(System.Globalization.CultureInfo.InvariantCulture), HoconScalarKind.Number),
            3 => new HoconScalar(Nowhere, $"{random.Next(0, 100)}.{random.Next(1, 100)}", HoconScalarKind.Number),
            4 => new HoconScalar(Nowhere, random.Next(2) == 0 ? "true" : "false", HoconScalarKind.Boolean),
            5 => new HoconScalar(Nowhere, null, HoconScalarKind.Null),
            6 => new HoconArray(Nowhere, Enumerable.Range(0, random.Next(0, 4)).Select(_ => RandomValue(random, depth + 1)).ToList()),
            _ => RandomObject(random, depth + 1),
        };
    }

    private static string RandomText(Random random, string alphabet, int min, int max) =>
        new(Enumerable.Range(0, random.Next(min, max + 1)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());

    private static string RandomWord(Random random) => "w" + RandomText(random, "abcxyz-_09", 0, 5);

    /// <summary>Tests build objects through the parser so they do not depend on internal setters.</summary>
    private sealed class HoconObjectBuilder
    {
        private readonly List<(string Key, HoconValue Value)> _fields = [];

        public bool Has(string key) => _fields.Any(f => f.Key == key);

        public void Add(string key, HoconValue value) => _fields.Add((key, value));

        public HoconObject Build()
        {
            // Render canonically and parse: the renderer is independently checked against the styled writer.
            var sb = new StringBuilder();
            foreach (var (key, value) in _fields)
            {
                sb.Append(Quote(key)).Append(" = ").Append(HoconRenderer.RenderValue(value)).Append('\n');
            }

            return Hocon.Parse(sb.ToString(), "builder", new Hashtable());
        }
    }

    private static string Quote(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in s)
        {
            sb.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\t' => "\\t",
                < ' ' => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return sb.Append('"').ToString();
    }

    /// <summary>Writes a tree choosing, per field, among the syntaxes HOCON offers for the same meaning.</summary>
    private sealed class StyledWriter(Random random)
    {
        private readonly StringBuilder _sb = new();

        public string Document(HoconObject root)
        {
            var braces = random.Next(2) == 0;
            Comment();
            if (braces)
            {
                _sb.Append("{\n");
            }

            Fields(root);
            if (braces)
            {
                _sb.Append("}\n");
            }

            return _sb.ToString();
        }

        private void Comment()
        {
            switch (random.Next(4))
            {
                case 0: _sb.Append("# a comment \"with {braces\n"); break;
                case 1: _sb.Append("   // another } comment\n"); break;
            }
        }

        private void Fields(HoconObject obj)
        {
            foreach (var (key, value) in obj.Fields)
            {
                Comment();
                var path = new List<string> { key };
                var v = value;
                // Dotted form for chains of single-field objects: a.b.c = 1.
                while (v is HoconObject { Count: 1 } single && random.Next(2) == 0)
                {
                    var (k, inner) = single.Fields.First();
                    path.Add(k);
                    v = inner;
                }

                _sb.Append(string.Join('.', path.Select(Key)));
                if (v is HoconObject)
                {
                    _sb.Append(random.Next(3) switch { 0 => " ", 1 => " = ", _ => ":" });
                }
                else
                {
                    _sb.Append(random.Next(3) switch { 0 => " = ", 1 => ":", _ => "=" });
                }

                Value(v);
                _sb.Append(random.Next(3) switch { 0 => ",\n", 1 => "  # trailing\n", _ => "\n" });
            }
        }

        private string Key(string key)
        {
            var plain = key.Length > 0 && key.All(c => c != '.' && c != ' ' && HoconPathChars.IsPlain(c)) && key != "include"
                        && !key.StartsWith("//", StringComparison.Ordinal);
            return plain && random.Next(2) == 0 ? key : Quote(key);
        }

        private void Value(HoconValue value)
        {
            switch (value)
            {
                case HoconObject o:
                    _sb.Append("{\n");
                    Fields(o);
                    _sb.Append('}');
                    break;
                case HoconArray a:
                    _sb.Append('[');
                    var newlines = random.Next(2) == 0;
                    for (var i = 0; i < a.Items.Count; i++)
                    {
                        _sb.Append(i == 0 ? (newlines ? "\n" : "") : newlines ? (random.Next(2) == 0 ? ",\n" : "\n") : ", ");
                        Value(a.Items[i]);
                    }

                    _sb.Append(newlines && a.Items.Count > 0 && random.Next(2) == 0 ? ",\n]" : "]");
                    break;
                case HoconScalar { Kind: HoconScalarKind.String, Text: var t }:
                    String(t!);
                    break;
                case HoconScalar s:
                    _sb.Append(s.Text ?? "null");
                    break;
            }
        }

        private void String(string t)
        {
            var isWord = t.Length > 0 && t.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') && char.IsAsciiLetter(t[0])
                         && t is not ("true" or "false" or "null");
            var spaced = t.Split(' ');
            var choice = random.Next(4);
            if (isWord && choice == 0)
            {
                _sb.Append(t);
            }
            else if (choice == 1 && !t.Contains("\"\"\"", StringComparison.Ordinal) && !t.EndsWith('"') && !t.Contains('\r'))
            {
                _sb.Append("\"\"\"").Append(t).Append("\"\"\"");
            }
            else if (choice == 2 && spaced.Length == 2 && spaced.All(p => p.Length > 0))
            {
                // Concatenation: two quoted parts separated by the original space.
                _sb.Append(Quote(spaced[0])).Append(' ').Append(Quote(spaced[1]));
            }
            else
            {
                _sb.Append(Quote(t));
            }
        }
    }

    private static class HoconPathChars
    {
        public static bool IsPlain(char c) => !char.IsWhiteSpace(c) && "$\"{}[]:=,+#`^?!@*&\\/".IndexOf(c) < 0;
    }
}
