using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using Akka.Util;
using Hyperion;

namespace ActorCodistill.Cluster.Serialization;

/// <summary>Marks a message that crosses nodes on Akka.Remote: it is bound to <see cref="ProductMessageSerializer"/>.</summary>
public interface IProductMessage;

/// <summary>
/// Hyperion for the product's control messages, locked down: on the way in, every type named in the bytes must be one
/// of the product's own (a namespace under <c>ActorCodistill.</c>), a primitive or collection Hyperion needs for them,
/// or Akka's actor-ref surrogate; anything else is refused with an error naming the type, before it is instantiated.
/// Registered under Hyperion's serializer id (-5) in place of Akka.Serialization.Hyperion's own, because the sender
/// chooses the id: a peer that sends Hyperion bytes reaches this filter, not an unfiltered serializer. Hyperion's
/// <c>disallow-unsafe-type</c> only denies a fixed list of known gadget types; this allows a fixed set instead.
/// </summary>
public sealed class ProductMessageSerializer : Akka.Serialization.Serializer
{
    public const int Id = -5;
    private readonly Hyperion.Serializer _hyperion;

    public ProductMessageSerializer(ExtendedActorSystem system) : base(system)
    {
        var surrogates = new[]
        {
            Surrogate.Create<ISurrogated, ISurrogate>(from => from.ToSurrogate(system), to => to.FromSurrogate(system)),
        };
        _hyperion = new Hyperion.Serializer(SerializerOptions.Default
            .WithPreserveObjectReferences(false)
            .WithVersionTolerance(false)
            .WithSurrogates(surrogates)
            .WithDisallowUnsafeType(true)
            .WithTypeFilter(ProductTypeFilter.Instance));
    }

    // Akka passes the replaced serializer's settings section (serialization-settings.hyperion) when there is one.
    public ProductMessageSerializer(ExtendedActorSystem system, Akka.Configuration.Config settings) : this(system)
    {
    }

    public override int Identifier => Id;
    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj)
    {
        using var stream = new MemoryStream();
        _hyperion.Serialize(obj, stream);
        return stream.ToArray();
    }

    public override object FromBinary(byte[] bytes, Type? type)
    {
        try
        {
            using var stream = new MemoryStream(bytes);
            return _hyperion.Deserialize(stream);
        }
        catch (Exception e)
        {
            // Hyperion's own words name the refused type ("Unsafe Type Deserialization Detected! [type: ...]").
            var inner = e.InnerException is { } cause ? $"{e.Message} ({cause.Message})" : e.Message;
            throw new SerializationException(
                $"refused a message of {bytes.Length} bytes from a peer: {inner}; only the product's own message types may cross nodes", e);
        }
    }
}

/// <summary>The types <see cref="ProductMessageSerializer"/> lets a peer name.</summary>
public sealed class ProductTypeFilter : ITypeFilter
{
    public static readonly ProductTypeFilter Instance = new();

    // Hyperion writes primitives without names; these are the named framework types the product's records carry.
    private static readonly HashSet<string> Framework = new(StringComparer.Ordinal)
    {
        "System.String", "System.Guid", "System.TimeSpan", "System.DateTime", "System.DateTimeOffset", "System.Half",
        "System.Byte[]", "System.Int32[]", "System.Int64[]", "System.Single[]", "System.Double[]", "System.String[]",
        "System.Object[]",
        // An array of actor refs (a ring's members); each element travels as the surrogate below.
        "Akka.Actor.IActorRef[]",
        // How Hyperion writes a Dictionary's entries.
        "System.Collections.DictionaryEntry",
    };

    private static readonly string[] GenericCollections =
    [
        "System.Collections.Generic.List`1", "System.Collections.Generic.Dictionary`2",
        "System.Collections.Immutable.ImmutableList`1", "System.Collections.Immutable.ImmutableArray`1",
        "System.Collections.Immutable.ImmutableDictionary`2", "System.Nullable`1",
    ];

    public bool IsAllowed(string typeName)
    {
        var name = FullName(typeName);
        if (name.StartsWith("ActorCodistill.", StringComparison.Ordinal)) return true;
        // Akka's IActorRef travels as this surrogate (a path string), resolved by the receiving system.
        if (name.StartsWith("Akka.Actor.ActorRefBase+Surrogate", StringComparison.Ordinal)) return true;
        if (Framework.Contains(name)) return true;
        // A collection expression typed IReadOnlyList<T> (e.g. `Groups: [0, 2]`) is a read-only wrapper the compiler
        // makes in the sending assembly: allowed when that assembly is one of the product's.
        if (name.StartsWith("<>z__ReadOnly", StringComparison.Ordinal)) return AssemblyOf(typeName).StartsWith("ActorCodistill.", StringComparison.Ordinal);
        return GenericCollections.Any(g => name.StartsWith(g, StringComparison.Ordinal));
    }

    // "Namespace.Type[[...]], Assembly, Version=..." -> "Assembly".
    private static string AssemblyOf(string typeName)
    {
        var name = FullName(typeName);
        var rest = typeName.Length > name.Length ? typeName[(typeName.IndexOf(',', name.Length) + 1)..] : "";
        var comma = rest.IndexOf(',');
        return (comma < 0 ? rest : rest[..comma]).Trim();
    }

    // "Namespace.Type, Assembly, Version=..." -> "Namespace.Type" (generic arguments in brackets kept).
    private static string FullName(string typeName)
    {
        var depth = 0;
        for (var i = 0; i < typeName.Length; i++)
        {
            switch (typeName[i])
            {
                case '[': depth++; break;
                case ']': depth--; break;
                case ',' when depth == 0: return typeName[..i].Trim();
            }
        }
        return typeName.Trim();
    }
}

/// <summary>
/// Takes the place of Akka's default JSON serializer (id 1), which instantiates whatever <c>$type</c> a peer names:
/// nothing is serialized or deserialized with it. A message type without a binding therefore fails when it is sent
/// (naming the type), instead of going out as JSON.
/// </summary>
public sealed class ClosedSerializer : Akka.Serialization.Serializer
{
    public const int Id = 1;

    public ClosedSerializer(ExtendedActorSystem system) : base(system)
    {
    }

    // Akka passes the replaced serializer's settings section (serialization-settings.json) when there is one.
    public ClosedSerializer(ExtendedActorSystem system, Akka.Configuration.Config settings) : base(system)
    {
    }

    public override int Identifier => Id;
    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj) =>
        throw new SerializationException(
            $"{obj.GetType().FullName} has no serializer binding: messages that cross nodes implement {nameof(IProductMessage)} " +
            "(Akka's JSON serializer is closed on this node)");

    public override object FromBinary(byte[] bytes, Type? type) =>
        throw new SerializationException(
            $"refused a message of {bytes.Length} bytes for serializer id {Id} (Akka's JSON serializer is closed on this node)");
}
