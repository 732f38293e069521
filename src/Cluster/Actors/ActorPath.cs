using System.Collections.Immutable;

namespace ActorCodistill.Cluster.Actors;

/// <summary>
/// <c>act://system[@host:port]/user/a/b</c>, optionally with <c>#uid</c> naming one incarnation.
/// Equality ignores the uid (as Akka's does); actor refs compare path and uid.
/// </summary>
public sealed class ActorPath : IEquatable<ActorPath>
{
    private ActorPath(Address address, ImmutableArray<string> elements, long uid)
    {
        Address = address;
        Elements = elements;
        Uid = uid;
    }

    public Address Address { get; }

    public ImmutableArray<string> Elements { get; }

    /// <summary>0 when no incarnation is named.</summary>
    public long Uid { get; }

    public string Name => Elements.IsEmpty ? "" : Elements[^1];

    public ActorPath? Parent => Elements.IsEmpty ? null : new ActorPath(Address, Elements.RemoveAt(Elements.Length - 1), 0);

    public static ActorPath Root(Address address) => new(address, ImmutableArray<string>.Empty, 0);

    public ActorPath Child(string name, long uid = 0) => new(Address, Elements.Add(name), uid);

    public ActorPath WithUid(long uid) => new(Address, Elements, uid);

    public override string ToString() => $"{Address}/{string.Join('/', Elements)}";

    public string ToStringWithUid() => Uid == 0 ? ToString() : $"{this}#{Uid}";

    public static ActorPath Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sep = text.IndexOf("://", StringComparison.Ordinal);
        if (sep <= 0)
        {
            throw new FormatException($"Actor path '{text}' has no protocol (expected act://system/user/name).");
        }
        var slash = text.IndexOf('/', sep + 3);
        var address = Address.Parse(slash < 0 ? text : text[..slash]);
        if (slash < 0)
        {
            return Root(address);
        }
        var pathPart = text[(slash + 1)..];
        long uid = 0;
        var hash = pathPart.IndexOf('#');
        if (hash >= 0)
        {
            if (!long.TryParse(pathPart[(hash + 1)..], out uid))
            {
                throw new FormatException($"Actor path '{text}' has a uid that is not a number.");
            }
            pathPart = pathPart[..hash];
        }
        var elements = pathPart.Split('/', StringSplitOptions.RemoveEmptyEntries).ToImmutableArray();
        return new ActorPath(address, elements, uid);
    }

    public static bool TryParse(string text, out ActorPath? path)
    {
        try
        {
            path = Parse(text);
            return true;
        }
        catch (FormatException)
        {
            path = null;
            return false;
        }
    }

    public bool Equals(ActorPath? other) =>
        other is not null && Address.Equals(other.Address) && Elements.AsSpan().SequenceEqual(other.Elements.AsSpan());

    public override bool Equals(object? obj) => obj is ActorPath p && Equals(p);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Address);
        foreach (var e in Elements)
        {
            hash.Add(e, StringComparer.Ordinal);
        }
        return hash.ToHashCode();
    }
}
