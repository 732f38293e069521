namespace ActorCodistill.Cluster.Configuration;

// Nodes that live only between parsing and resolution. They are internal so that nothing outside
// the resolver can observe a half-resolved document.

/// <summary><c>${path}</c> or <c>${?path}</c>.</summary>
internal sealed class HoconSubstitution(HoconOrigin origin, IReadOnlyList<string> path, bool optional,
    IReadOnlyList<string>? fallbackPath = null) : HoconValue(origin)
{
    public IReadOnlyList<string> Path { get; } = path;

    public bool Optional { get; } = optional;

    /// <summary>
    /// For substitutions in a file included below the root, <see cref="Path"/> is prefixed with the
    /// include location and this holds the path as written, tried second (as Lightbend's config does).
    /// </summary>
    public IReadOnlyList<string>? FallbackPath { get; } = fallbackPath;

    public string Written => $"${{{(Optional ? "?" : "")}{HoconPath.Render(FallbackPath ?? Path)}}}";

    internal override bool NeedsResolution => true;

    public override bool ContentEquals(HoconValue? other) =>
        other is HoconSubstitution s && s.Optional == Optional && s.Path.SequenceEqual(Path);
}

/// <summary>Whitespace between two values of one concatenation; kept only when the result is a string.</summary>
internal sealed class HoconWhitespace(HoconOrigin origin, string text) : HoconValue(origin)
{
    public string Text { get; } = text;

    internal override bool NeedsResolution => true;

    public override bool ContentEquals(HoconValue? other) => other is HoconWhitespace w && w.Text == Text;
}

/// <summary>Values written side by side on one line: <c>foo bar</c>, <c>${a} { b = 1 }</c>, <c>[1] [2]</c>.</summary>
internal sealed class HoconConcatenation(HoconOrigin origin, IReadOnlyList<HoconValue> parts) : HoconValue(origin)
{
    public IReadOnlyList<HoconValue> Parts { get; } = parts;

    internal override bool NeedsResolution => true;

    public override bool ContentEquals(HoconValue? other) =>
        other is HoconConcatenation c && c.Parts.Count == Parts.Count
        && Parts.Zip(c.Parts).All(p => p.First.ContentEquals(p.Second));
}

/// <summary>
/// A self-reference (<c>a = ${a} x</c>, <c>a += x</c>) replaced by the value the field had before
/// this definition, so it cannot loop. <see cref="Earlier"/> is null when there was none.
/// </summary>
internal sealed class HoconPriorValue(HoconSubstitution reference, HoconValue? earlier, IReadOnlyList<string> remainder)
    : HoconValue(reference.Origin)
{
    public HoconSubstitution Reference { get; } = reference;

    public HoconValue? Earlier { get; } = earlier;

    public IReadOnlyList<string> Remainder { get; } = remainder;

    internal override bool NeedsResolution => true;

    public override bool ContentEquals(HoconValue? other) => ReferenceEquals(this, other);
}

/// <summary>
/// A later definition that cannot be merged with the earlier one until both are resolved:
/// if <see cref="Later"/> turns out undefined (<c>${?X}</c> unset) the earlier value stays; if both are
/// objects they merge; otherwise the later one wins.
/// </summary>
internal sealed class HoconDelayedMerge(HoconValue earlier, HoconValue later) : HoconValue(later.Origin)
{
    public HoconValue Earlier { get; } = earlier;

    public HoconValue Later { get; } = later;

    internal override bool NeedsResolution => true;

    public override bool ContentEquals(HoconValue? other) => ReferenceEquals(this, other);
}
