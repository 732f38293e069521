namespace ActorCodistill.Cluster.Configuration;

/// <summary>
/// A node of a HOCON document. After <see cref="Hocon"/> has resolved a document only
/// <see cref="HoconObject"/>, <see cref="HoconArray"/> and <see cref="HoconScalar"/> remain;
/// substitutions and concatenations exist only between parsing and resolution.
/// </summary>
public abstract class HoconValue
{
    private protected HoconValue(HoconOrigin origin) => Origin = origin;

    public HoconOrigin Origin { get; }

    /// <summary>True while the value still holds substitutions or concatenations.</summary>
    internal abstract bool NeedsResolution { get; }

    /// <summary>Structural equality that ignores origins (used by round-trip tests and merges).</summary>
    public abstract bool ContentEquals(HoconValue? other);
}

public enum HoconScalarKind
{
    String,
    Number,
    Boolean,
    Null,
}

/// <summary>A string, number, boolean or null. Numbers and booleans keep their source text.</summary>
public sealed class HoconScalar : HoconValue
{
    public HoconScalar(HoconOrigin origin, string? text, HoconScalarKind kind) : base(origin)
    {
        if (kind == HoconScalarKind.Null ? text is not null : text is null)
        {
            throw new ArgumentException("only a null scalar has null text", nameof(text));
        }

        Text = text;
        Kind = kind;
    }

    /// <summary>The value as text; null only for <see cref="HoconScalarKind.Null"/>.</summary>
    public string? Text { get; }

    public HoconScalarKind Kind { get; }

    internal override bool NeedsResolution => false;

    public override bool ContentEquals(HoconValue? other) =>
        other is HoconScalar s && s.Kind == Kind && s.Text == Text;

    public override string ToString() => Text ?? "null";
}

/// <summary>An ordered list of values.</summary>
public sealed class HoconArray : HoconValue
{
    private readonly List<HoconValue> _items;

    public HoconArray(HoconOrigin origin, IEnumerable<HoconValue> items) : base(origin) => _items = items.ToList();

    public IReadOnlyList<HoconValue> Items => _items;

    internal List<HoconValue> MutableItems => _items;

    internal override bool NeedsResolution => _items.Any(i => i.NeedsResolution);

    public override bool ContentEquals(HoconValue? other) =>
        other is HoconArray a && a._items.Count == _items.Count
        && _items.Zip(a._items).All(p => p.First.ContentEquals(p.Second));
}

/// <summary>
/// An object: fields in the order they were first defined. Later definitions of a key merge into
/// (objects) or replace (anything else) the earlier one while parsing.
/// </summary>
public sealed class HoconObject : HoconValue
{
    private readonly OrderedDictionary<string, HoconValue> _fields = new(StringComparer.Ordinal);

    public HoconObject(HoconOrigin origin) : base(origin)
    {
    }

    public IReadOnlyList<string> Keys => _fields.Keys.ToList();

    public IEnumerable<KeyValuePair<string, HoconValue>> Fields => _fields;

    public int Count => _fields.Count;

    public HoconValue this[string key] => _fields[key];

    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out HoconValue value) =>
        _fields.TryGetValue(key, out value);

    /// <summary>Looks up a dotted path such as <c>remote.tls.enabled</c> (quotes allowed for keys containing dots).</summary>
    public HoconValue? GetPath(string path)
    {
        HoconValue current = this;
        foreach (var segment in HoconPath.Parse(path))
        {
            if (current is not HoconObject o || !o._fields.TryGetValue(segment, out var next))
            {
                return null;
            }

            current = next;
        }

        return current;
    }

    internal void Set(string key, HoconValue value) => _fields[key] = value;

    internal void Remove(string key) => _fields.Remove(key);

    internal override bool NeedsResolution => _fields.Values.Any(v => v.NeedsResolution);

    public override bool ContentEquals(HoconValue? other)
    {
        if (other is not HoconObject o || o._fields.Count != _fields.Count)
        {
            return false;
        }

        foreach (var (key, value) in _fields)
        {
            if (!o._fields.TryGetValue(key, out var theirs) || !value.ContentEquals(theirs))
            {
                return false;
            }
        }

        return true;
    }
}
