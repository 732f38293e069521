using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.ClusterDaemon.Protocol;
using ActorCodistill.Cluster.Membership;
using UniqueAddressProto = ActorCodistill.Cluster.Remote.Protocol.UniqueAddressProto;

namespace ActorCodistill.Cluster.ClusterDaemon;

/// <summary>
/// Membership state &lt;-&gt; cluster.proto. Exact: a gossip read back equals the one written (members, reachability
/// records and observer versions, vector clock, seen-by, tombstones to the millisecond), so merges on the receiving
/// node see the same versions the sender had.
/// </summary>
public static class ClusterProtoMapping
{
    /// <summary>
    /// The transport's <c>UniqueAddressProto</c> (remote.proto): a member's uid is the transport's handshake uid
    /// reinterpreted as signed, so the cast back is exact.
    /// </summary>
    /// <exception cref="ArgumentException">When <paramref name="node"/> has no host:port (a local address is never a member).</exception>
    public static UniqueAddressProto ToProto(UniqueAddress node)
    {
        var address = node.Address;
        if (address.Host is null || address.Port is null)
            throw new ArgumentException($"address '{address}' has no host:port, so it names no cluster member", nameof(node));
        return new UniqueAddressProto { System = address.System, Host = address.Host, Port = address.Port.Value, Uid = unchecked((ulong)node.Uid) };
    }

    /// <exception cref="FormatException">When the address is missing or lacks a system, a host or a valid port.</exception>
    public static UniqueAddress FromProto(UniqueAddressProto? node)
    {
        if (node is null) throw new FormatException("cluster message lacks a node address");
        if (node.System.Length == 0 || node.Host.Length == 0 || node.Port is < 0 or > 65535)
        {
            throw new FormatException(
                $"node address '{node.System}@{node.Host}:{node.Port.ToString(CultureInfo.InvariantCulture)}' is not system@host:port with a port in 0..65535");
        }

        return new UniqueAddress(new Address(Address.DefaultProtocol, node.System, node.Host, node.Port), unchecked((long)node.Uid));
    }

    /// <summary>
    /// Runs <paramref name="read"/> (one or more <c>FromProto</c> calls on a received message) and, when the message
    /// is malformed, logs <c>"{dropped}: {why}"</c> as a warning and returns false: a bad message from a peer is
    /// dropped, never thrown into the receiving actor.
    /// </summary>
    internal static bool TryFromProto<T>(Func<T> read, ILoggingAdapter log, string dropped, [MaybeNullWhen(false)] out T value)
    {
        try
        {
            value = read();
            return true;
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            log.Warning($"{dropped}: {e.Message}");
            value = default;
            return false;
        }
    }

    public static GossipProto ToProto(Gossip gossip)
    {
        var proto = new GossipProto();
        proto.Members.AddRange(gossip.Members.Select(m =>
        {
            var member = new MemberProto { Node = ToProto(m.Node), Status = (WireMemberStatus)(int)m.Status, UpNumber = m.UpNumber };
            member.Roles.AddRange(m.Roles.Order(StringComparer.Ordinal));
            return member;
        }));
        proto.Reachability.AddRange(gossip.Reachability.Records.Select(r => new ReachabilityRecordProto
        {
            Observer = ToProto(r.Observer), Subject = ToProto(r.Subject), Unreachable = r.Status == ReachabilityStatus.Unreachable, Version = r.Version,
        }));
        proto.ReachabilityVersions.AddRange(gossip.Reachability.Versions.Select(kv => new VersionEntry { Node = ToProto(kv.Key), Version = kv.Value }));
        proto.Version.AddRange(gossip.Version.Versions.Select(kv => new VersionEntry { Node = ToProto(kv.Key), Version = kv.Value }));
        proto.SeenBy.AddRange(gossip.SeenBy.Order(UniqueAddressComparer.Instance).Select(ToProto));
        proto.Tombstones.AddRange(gossip.Tombstones.Select(t => new TombstoneProto { Node = ToProto(t.Key), RemovedAtUnixMs = t.Value.ToUnixTimeMilliseconds() }));
        return proto;
    }

    /// <exception cref="FormatException">When an address is malformed or a status is unknown.</exception>
    public static Gossip FromProto(GossipProto? proto)
    {
        if (proto is null) throw new FormatException("cluster message lacks its gossip");
        var members = proto.Members.Select(m =>
        {
            if (!Enum.IsDefined((MemberStatus)(int)m.Status)) throw new FormatException($"unknown member status {(int)m.Status}");
            return new Member(FromProto(m.Node), (MemberStatus)(int)m.Status, m.Roles.ToImmutableHashSet(StringComparer.Ordinal), m.UpNumber);
        });
        var records = proto.Reachability.Select(r => new ReachabilityRecord(
            FromProto(r.Observer), FromProto(r.Subject), r.Unreachable ? ReachabilityStatus.Unreachable : ReachabilityStatus.Reachable, r.Version));
        return new Gossip(
            members.ToImmutableSortedSet(MemberAddressComparer.Instance),
            Reachability.Create(records.ToList(), proto.ReachabilityVersions.Select(Entry)),
            new VectorClock(proto.Version.Select(Entry).ToImmutableSortedDictionary(kv => kv.Key, kv => kv.Value, UniqueAddressComparer.Instance)),
            proto.SeenBy.Select(FromProto).ToImmutableHashSet(),
            proto.Tombstones.ToImmutableSortedDictionary(
                t => FromProto(t.Node), t => DateTimeOffset.FromUnixTimeMilliseconds(t.RemovedAtUnixMs), UniqueAddressComparer.Instance));
    }

    public static IEnumerable<MemberDevices> ToProto(ImmutableDictionary<UniqueAddress, ImmutableArray<string>> devices) =>
        devices.OrderBy(kv => kv.Key, UniqueAddressComparer.Instance).Select(kv =>
        {
            var entry = new MemberDevices { Node = ToProto(kv.Key) };
            entry.Devices.AddRange(kv.Value);
            return entry;
        });

    public static ImmutableDictionary<UniqueAddress, ImmutableArray<string>> FromProto(IEnumerable<MemberDevices> devices) =>
        devices.ToImmutableDictionary(d => FromProto(d.Node), d => d.Devices.ToImmutableArray());

    private static KeyValuePair<UniqueAddress, long> Entry(VersionEntry e) => KeyValuePair.Create(FromProto(e.Node), e.Version);
}
