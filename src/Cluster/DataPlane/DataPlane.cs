using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using ActorCodistill.Cluster.Remote;
using Akka.Actor;
using Akka.Event;
using BulkHeader = ActorCodistill.Cluster.Remote.Protocol.BulkHeader;

namespace ActorCodistill.Cluster.DataPlane;

/// <summary>
/// The tensor data plane of an Akka.NET node: allreduce chunks, teacher copies and worker states go actor to actor on
/// a transport of their own, never in Akka.Remote's frames (measured in issue 17: Akka.Remote moved 16 MiB messages at
/// a third of a plain socket's rate, and small control messages waited seconds behind them). Actors are addressed by
/// their Akka refs; what arrives is delivered to the recipient as an ordinary message, with the sender's ref, so the
/// recipient replies with Tell as usual.
/// <para>
/// The transport is the product's bulk channel (<see cref="RemoteTransport"/>: a mutual HMAC handshake over the
/// cluster secret, optional TLS, chunked transfers under a credit window, checksums, a bounded outbox per peer, and
/// at most a handshake's worth of memory before a peer has proved the secret). A node finds a peer's data plane by
/// asking the peer's <c>/system/data-plane</c> actor once over Akka.Remote (<see cref="WhereIsDataPlane"/>); the answer
/// is cached until a transfer to it fails or the node leaves the cluster. Delivery is at most once and in Tell order
/// per pair of nodes (as Akka.Remote's); what cannot be delivered becomes a dead letter with a log line naming the
/// recipient and why.
/// </para>
/// </summary>
public sealed class DataPlane : IAsyncDisposable
{
    private static readonly ConditionalWeakTable<ActorSystem, DataPlane> Planes = new();

    private readonly ExtendedActorSystem _system;
    // Null for a process that runs alone (the embedded run opens no port): every target is local.
    private readonly RemoteTransport? _transport;
    private readonly ILoggingAdapter _log;
    private readonly IRemoteLogSink _sink;
    private readonly ConcurrentDictionary<Address, BulkOutbox> _outboxes = new();
    private readonly ConcurrentDictionary<Address, RemoteAddress> _endpoints = new();
    private readonly Lock _outboxGate = new();
    private int _stopped;

    private DataPlane(ExtendedActorSystem system, RemoteTransport? transport, BulkCodecs codecs, ILoggingAdapter log, IRemoteLogSink sink)
    {
        _system = system;
        _transport = transport;
        _log = log;
        _sink = sink;
        Codecs = codecs;
    }

    /// <summary>The message types this data plane carries.</summary>
    public BulkCodecs Codecs { get; }

    /// <summary>Where this node's data plane listens (the bound port when <see cref="RemoteSettings.Port"/> was 0).</summary>
    public UniqueRemoteAddress Address => Transport.LocalAddress;

    public RemoteSettings Settings => Transport.Settings;

    /// <summary>The nodes this data plane has an outbox for (sent to, and not forgotten since): for diagnostics and tests.</summary>
    public IReadOnlyCollection<Address> Peers => _outboxes.Keys.ToArray();

    private RemoteTransport Transport => _transport ??
        throw new InvalidOperationException($"ActorSystem '{_system.Name}' runs its data plane locally (no listener, no peers): it only delivers to actors of this process");

    /// <summary>
    /// Starts the data plane of <paramref name="system"/>: binds its listener, starts <c>/system/data-plane</c>, and
    /// stops with the ActorSystem. One per ActorSystem.
    /// </summary>
    public static DataPlane Start(ActorSystem system, RemoteSettings settings, BulkCodecs codecs)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(codecs);
        var (extended, log, sink) = Parts(system);
        var transport = new RemoteTransport(settings, sink);
        var plane = new DataPlane(extended, transport, codecs, log, sink);
        Register(system, plane);
        var local = transport.Start(new Inbound(plane));
        var self = new DataPlaneAt(local.Address.System, local.Address.Host, local.Address.Port);
        extended.SystemActorOf(Props.Create(() => new DataPlaneDirectory(self, plane.Forget)), DataPlaneDirectory.Name);
        system.RegisterOnTermination(() => plane.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(10)));
        log.Info($"data plane listening on {local} for {system.Name}");
        return plane;
    }

    /// <summary>
    /// The data plane of a process that runs alone (the embedded run): no listener and no port, the same Tell for the
    /// code that uses it, and every target must be an actor of this process.
    /// </summary>
    public static DataPlane StartLocal(ActorSystem system, BulkCodecs codecs)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(codecs);
        var (extended, log, sink) = Parts(system);
        var plane = new DataPlane(extended, null, codecs, log, sink);
        Register(system, plane);
        return plane;
    }

    private static void Register(ActorSystem system, DataPlane plane)
    {
        lock (Planes)
        {
            if (Planes.TryGetValue(system, out _))
            {
                plane._transport?.DisposeAsync().AsTask().GetAwaiter().GetResult();
                throw new InvalidOperationException($"the data plane of ActorSystem '{system.Name}' is already started");
            }
            Planes.Add(system, plane);
        }
    }

    private static (ExtendedActorSystem System, ILoggingAdapter Log, IRemoteLogSink Sink) Parts(ActorSystem system)
    {
        var extended = (ExtendedActorSystem)system;
        var log = Logging.GetLogger(system, "data-plane");
        var sink = RemoteLogSink.FromAction((level, message) =>
        {
            switch (level)
            {
                case RemoteLogLevel.Debug: log.Debug(message); break;
                case RemoteLogLevel.Info: log.Info(message); break;
                case RemoteLogLevel.Warning: log.Warning(message); break;
                default: log.Error(message); break;
            }
        });
        return (extended, log, sink);
    }

    /// <summary>The data plane started for <paramref name="system"/> with <see cref="Start"/>.</summary>
    public static DataPlane Get(ActorSystem system) =>
        Planes.TryGetValue(system, out var plane)
            ? plane
            : throw new InvalidOperationException($"ActorSystem '{system.Name}' has no data plane: call DataPlane.Start(system, settings, codecs) when the node starts");

    /// <summary>
    /// Sends <paramref name="message"/> to <paramref name="target"/>: a local target gets it as it is (no copy, as any
    /// Tell), a remote one through the data plane. Serialises on the caller's thread, so a message over the transport's
    /// limits throws here (<see cref="OversizeBulkMessageException"/>, naming the limit); anything that goes wrong later (peer gone, outbox full) makes a dead letter and a log line.
    /// </summary>
    public void Tell(IActorRef target, object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(message);
        sender ??= ActorCell.GetCurrentSelfOrNoSender();
        if (IsLocal(target))
        {
            target.Tell(message, sender);
            return;
        }
        if (_transport is null)
            throw new InvalidOperationException($"cannot send {message.GetType().Name} to {target.Path}: ActorSystem '{_system.Name}' runs its data plane " +
                                                "locally (no listener, no peers) and that actor is on another node");
        if (!Codecs.TryGet(message.GetType(), out var codec))
            throw new ArgumentException($"{message.GetType().FullName} has no bulk codec: register one in the data plane's BulkCodecs, or send it with Tell (Akka.Remote)", nameof(message));
        var recipient = target.Path.ToSerializationFormat();
        var parts = codec.ToBulk(message);
        var settings = Transport.Settings;
        var header = BulkHeaders.Build(settings, message.GetType(), recipient, codec.Manifest, PathOf(sender), parts);
        var node = target.Path.Address;
        var outbox = OutboxFor(node);
        var outcome = outbox?.TryEnqueue(new QueuedBulk(header, parts.Payload, message, new Route(sender, target)), settings.MaxBulkOutboxBytes) ?? BulkEnqueue.Dropped;
        if (outcome == BulkEnqueue.Queued) return;
        // Full (the outbox logged it), or the data plane is stopping.
        DeadLetter(message, sender, target);
    }

    private bool IsLocal(IActorRef target) =>
        target.Path.Address.HasLocalScope || target.Path.Address.Equals(_system.Provider.DefaultAddress);

    private string PathOf(IActorRef? actor)
    {
        if (actor is null || actor.IsNobody()) return "";
        return actor.Path.Address.HasLocalScope
            ? actor.Path.ToSerializationFormatWithAddress(_system.Provider.DefaultAddress)
            : actor.Path.ToSerializationFormat();
    }

    private void DeadLetter(object message, IActorRef? sender, IActorRef recipient) =>
        _system.DeadLetters.Tell(new DeadLetter(message, sender ?? ActorRefs.NoSender, recipient));

    private BulkOutbox? OutboxFor(Address node)
    {
        if (_outboxes.TryGetValue(node, out var outbox)) return outbox;
        lock (_outboxGate)
        {
            if (Volatile.Read(ref _stopped) != 0) return null;
            if (_outboxes.TryGetValue(node, out outbox)) return outbox;
            outbox = new BulkOutbox(node.ToString(), token => EndpointOfAsync(node, token), _sink, (lost, why) => OnLost(node, lost, why),
                "remote.bulk-outbox-limit");
            _outboxes[node] = outbox;
            return outbox;
        }
    }

    private async ValueTask<RemoteEndpoint> EndpointOfAsync(Address node, CancellationToken token)
    {
        if (!_endpoints.TryGetValue(node, out var remote))
        {
            var directory = _system.ActorSelection(new RootActorPath(node) / "system" / DataPlaneDirectory.Name);
            var timeout = Transport.Settings.ConnectTimeout;
            DataPlaneAt at;
            try
            {
                at = await directory.Ask<DataPlaneAt>(new WhereIsDataPlane(), timeout, token).ConfigureAwait(false);
            }
            catch (AskTimeoutException)
            {
                throw new BulkTransferException($"{node} did not say where its data plane listens within {timeout} (is the node up, and is its data plane started?)");
            }
            remote = new RemoteAddress(at.SystemName, at.Host, at.Port);
            _endpoints[node] = remote;
        }
        return Transport.GetOrConnect(remote, control: false);
    }

    private void OnLost(Address node, QueuedBulk lost, Exception? why)
    {
        var route = (Route)lost.Route!;
        DeadLetter(lost.Message, route.Sender, route.Recipient);
        // A failed transfer may mean the node restarted elsewhere: look its data plane up again for the next one.
        if (why is not null && _endpoints.TryRemove(node, out var remote)) _ = Transport.ForgetAsync(remote);
    }

    /// <summary>The node left: what is queued for it becomes dead letters (one log line), and it is looked up afresh later.</summary>
    private void Forget(Address node, string reason)
    {
        if (_outboxes.TryRemove(node, out var outbox)) outbox.Drop(reason);
        if (_endpoints.TryRemove(node, out var remote)) _ = Transport.ForgetAsync(remote);
    }

    public async ValueTask DisposeAsync()
    {
        BulkOutbox[] outboxes;
        lock (_outboxGate)
        {
            if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
            outboxes = _outboxes.Values.ToArray();
        }
        foreach (var node in _outboxes.Keys.ToArray()) Forget(node, "shutting down");
        await Task.WhenAll(outboxes.Select(o => o.Completion)).ConfigureAwait(false);
        if (_transport is not null) await _transport.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// A complete, verified transfer from an authenticated peer, on that peer's bulk connection thread (in order). The
    /// payload buffer is pooled: the codec copies what it keeps, and the buffer goes back when this returns.
    /// </summary>
    private void Deliver(UniqueRemoteAddress from, BulkPayload payload)
    {
        using var _ = payload;
        var header = payload.Header;
        if (!Codecs.TryGet(header.Manifest, out var codec))
        {
            _log.Warning($"data plane: dropped a transfer from {from} for '{header.Recipient}': unknown manifest '{header.Manifest}'");
            return;
        }
        if (codec.ReceiveInto is not null && payload.Pooled)
        {
            _log.Warning($"data plane: dropped a garbled transfer from {from} for '{header.Recipient}' ('{header.Manifest}'): its codec refused the metadata for receiving");
            return;
        }
        var provider = _system.Provider;
        IActorRef recipient;
        IActorRef? sender;
        object message;
        try
        {
            recipient = provider.ResolveActorRef(header.Recipient);
            sender = header.Sender.Length == 0 ? ActorRefs.NoSender : provider.ResolveActorRef(header.Sender);
            message = codec.FromBulk(header.Metadata.Memory, payload.Data) ?? throw new FormatException($"the codec for '{header.Manifest}' returned null");
        }
        catch (Exception e)
        {
            // Bytes a peer sent: whatever the paths or the codec make of them is garbled input, never a reason to take
            // the connection or the node down.
            _log.Warning($"data plane: dropped a garbled transfer from {from} for '{header.Recipient}' ('{header.Manifest}', {header.Metadata.Length} metadata bytes, " +
                         $"{payload.Data.Length} payload bytes): {e.GetType().Name}: {e.Message}");
            return;
        }
        if (recipient is not IInternalActorRef { IsLocal: true } local || local is EmptyLocalActorRef or DeadLetterActorRef || local.IsNobody())
        {
            _log.Info($"data plane: dead letter: {message.GetType().Name} from {from} (sender {header.Sender}) for {header.Recipient}, " +
                      "which is no live actor of this node (stopped, restarted as another incarnation, or never here)");
            DeadLetter(message, sender, recipient);
            return;
        }
        local.Tell(message, sender);
    }

    /// <summary>Who sent a queued message and to whom: what its dead letter names if it is lost.</summary>
    private sealed record Route(IActorRef? Sender, IActorRef Recipient);

    private sealed class Inbound(DataPlane plane) : IInboundHandler
    {
        public void OnControl(UniqueRemoteAddress from, Remote.Protocol.Envelope envelope) =>
            plane._log.Warning($"data plane: dropped a control message '{envelope.Manifest}' from {from}: control messages travel on Akka.Remote");

        public void OnBulk(UniqueRemoteAddress from, BulkPayload payload) => plane.Deliver(from, payload);

        // Received straight into the message's own memory where the codec can say what that is.
        public Memory<byte>? ProvideBulkBuffer(UniqueRemoteAddress from, Remote.Protocol.BulkHeader header)
        {
            if (!plane.Codecs.TryGet(header.Manifest, out var codec) || codec.ReceiveInto is not { } receive) return null;
            try
            {
                return receive(header.Metadata.Memory, checked((int)header.TotalBytes));
            }
            catch (Exception e)
            {
                plane._log.Warning($"data plane: the codec for '{header.Manifest}' refused a transfer of {header.TotalBytes} bytes from {from}: {e.GetType().Name}: {e.Message}");
                return null;
            }
        }
    }
}
