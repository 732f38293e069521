using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using ActorCodistill.Cluster.Actors;
using ActorCodistill.Cluster.Remote;
using ActorCodistill.Cluster.Remoting.Protocol;
using Google.Protobuf;
using BulkHeader = ActorCodistill.Cluster.Remote.Protocol.BulkHeader;
using RemoteEnvelope = ActorCodistill.Cluster.Remote.Protocol.Envelope;
using TensorDType = ActorCodistill.Cluster.Remote.Protocol.TensorDType;

namespace ActorCodistill.Cluster.Remoting;

/// <summary>
/// An <see cref="ActorSystem"/> reachable over a <see cref="RemoteTransport"/>: its address is
/// <c>act://system@host:port</c> with the port the transport bound, refs to actors on other nodes come from
/// <see cref="ResolveRemote(string)"/>, and envelopes from authenticated peers are delivered to local actors with the
/// remote sender as a ref that replies over the wire. All nodes of a cluster share one system name (the handshake
/// refuses others) and differ by host:port and incarnation uid.
/// </summary>
public sealed class RemoteActorSystem : IRemoteRefContext, IAsyncDisposable
{
    private static readonly ConditionalWeakTable<ActorSystem, RemoteActorSystem> Registry = new();

    // Ask's temporary senders have no cell to look up; replies from other nodes find them here until they complete.
    private readonly ConcurrentDictionary<string, PromiseActorRef> _temps = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<RemoteAddress, BulkOutbox> _bulkOutboxes = new();
    // An outbox starts a loop, so it is created under a lock (GetOrAdd could build one twice and orphan a loop), and
    // none is created once shutdown has dropped them all.
    private readonly Lock _bulkOutboxGate = new();
    private readonly ILoggingAdapter _log;
    private readonly IRemoteLogSink _bulkLog;
    private int _stopped;

    private RemoteActorSystem(ActorSystem system, RemoteTransport transport, SerializerRegistry serializers, RemotingSettings settings, TimeProvider failureClock)
    {
        System = system;
        Transport = transport;
        Serializers = serializers;
        _log = system.CreateLogger($"{system.Address}/remoting");
        var log = _log;
        _bulkLog = RemoteLogSink.FromAction((level, message) => log.Log(level switch
        {
            RemoteLogLevel.Debug => LogLevel.Debug,
            RemoteLogLevel.Info => LogLevel.Info,
            RemoteLogLevel.Warning => LogLevel.Warning,
            _ => LogLevel.Error,
        }, null, message));
        Watcher = new RemoteWatcher(this, settings, failureClock);
    }

    public ActorSystem System { get; }

    public RemoteTransport Transport { get; }

    /// <summary>This incarnation: transport address and uid.</summary>
    public UniqueRemoteAddress LocalAddress => Transport.LocalAddress;

    public Address Address => System.Address;

    /// <summary>What can cross the wire; register your protobuf messages here before sending them.</summary>
    public SerializerRegistry Serializers { get; }

    internal RemoteWatcher Watcher { get; }

    /// <summary>
    /// Binds the transport (port 0 = ephemeral), then creates the actor system under <c>remote.SystemName</c> with the
    /// bound address. <paramref name="failureClock"/> drives the "node gone" checks of remote deathwatch (default: the
    /// system's clock); tests pass a manual clock to decide when a silent node is declared gone.
    /// </summary>
    public static RemoteActorSystem Start(
        RemoteSettings remote,
        ActorSystemSettings? actorSettings = null,
        TimeProvider? timeProvider = null,
        RemotingSettings? remoting = null,
        TimeProvider? failureClock = null,
        SerializerRegistry? serializers = null)
    {
        ArgumentNullException.ThrowIfNull(remote);
        var settings = actorSettings ?? ActorSystemSettings.Default;
        var time = timeProvider ?? TimeProvider.System;
        var remotingSettings = remoting ?? RemotingSettings.Default;
        remotingSettings.Validate();
        var bridge = new TransportLogBridge(new LoggingAdapter(settings.LogSink, settings.LogLevel, $"remoting {remote.Hostname}", time));
        var handler = new InboundHandler(bridge);
        var transport = new RemoteTransport(remote, bridge, time);
        var local = transport.Start(handler);
        ActorSystem system;
        try
        {
            system = ActorSystem.Create(remote.SystemName, settings with { Host = local.Address.Host, Port = local.Address.Port }, time);
        }
        catch
        {
            transport.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
        var node = new RemoteActorSystem(system, transport, serializers ?? new SerializerRegistry(), remotingSettings, failureClock ?? time);
        bridge.Target = node._log;
        Registry.AddOrUpdate(system, node);
        transport.AssociationChanged += node.Watcher.OnAssociationEvent;
        transport.AssociationChanged += node.OnAssociationEvent;
        node.Watcher.Start();
        handler.Attach(node);
        return node;
    }

    /// <summary>The remoting of <paramref name="system"/>; throws when it was not started by <see cref="Start"/>.</summary>
    public static RemoteActorSystem For(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        return Registry.TryGetValue(system, out var node)
            ? node
            : throw new InvalidOperationException($"actor system {system.Address} has no remoting; create it with RemoteActorSystem.Start");
    }

    /// <summary>A ref to the actor at <paramref name="path"/> (<c>act://system@host:port/user/x[#uid]</c>); local paths give local refs.</summary>
    public IActorRef ResolveRemote(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return ResolveRemote(ActorPath.Parse(path));
    }

    public IActorRef ResolveRemote(ActorPath path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Address.HasLocalScope)
            throw new ArgumentException($"actor path '{path}' has no host:port; a remote path looks like act://system@host:port/user/name", nameof(path));
        return RefOf(path);
    }

    /// <summary>Asks the node of <paramref name="path"/> whether an actor lives there: its ref, or null.</summary>
    public async Task<IActorRef?> IdentifyAsync(string path, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var target = ResolveRemote(path);
        var id = Guid.NewGuid().ToString("N");
        var identity = await target.Ask<ActorIdentity>(new Identify(id), timeout, cancellationToken).ConfigureAwait(false);
        return identity.Subject;
    }

    /// <summary>True while our control channel to <paramref name="node"/> is up.</summary>
    public bool IsAssociated(Address node) => IsAssociated(ToRemoteAddress(node));

    internal bool IsAssociated(RemoteAddress node) => Transport.GetOrConnect(node).IsAssociated;

    /// <summary>Starts associating with <paramref name="node"/> and completes once its control channel is up.</summary>
    public Task WhenAssociated(Address node, CancellationToken cancellationToken = default) =>
        Transport.GetOrConnect(ToRemoteAddress(node)).WhenAssociated(cancellationToken);

    /// <summary>Graceful: stops the actors (their deathwatch notifications are queued to peers), then the transport.</summary>
    public async Task ShutdownAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        await System.Terminate().ConfigureAwait(false);
        Watcher.Dispose();
        await DropBulkOutboxesAsync("shutting down").ConfigureAwait(false);
        await Transport.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Abrupt, as a crashed process: the transport's sockets are dropped first (no goodbye, nothing more leaves this
    /// node), then the actors are stopped locally.
    /// </summary>
    public async Task AbortAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        Watcher.Dispose();
        await DropBulkOutboxesAsync("aborted").ConfigureAwait(false);
        await Transport.DisposeAsync().ConfigureAwait(false);
        await System.Terminate().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await ShutdownAsync().ConfigureAwait(false);

    public static RemoteAddress ToRemoteAddress(Address address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.Host is null || address.Port is null)
            throw new ArgumentException($"address '{address}' has no host:port, so it names no remote node", nameof(address));
        return new RemoteAddress(address.System, address.Host, address.Port.Value);
    }

    public static Address ToAddress(RemoteAddress address) => new(Address.DefaultProtocol, address.System, address.Host, address.Port);

    public string PathOf(IActorRef? actorRef)
    {
        switch (actorRef)
        {
            case null or Nobody:
                return "";
            case PromiseActorRef promise when ReferenceEquals(promise.System, System):
                var key = promise.Path.ToString();
                if (_temps.TryAdd(key, promise))
                {
                    promise.Result.ContinueWith(_ => _temps.TryRemove(key, out PromiseActorRef? _), CancellationToken.None,
                        TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }
                return promise.Path.ToStringWithUid();
            default:
                return actorRef.Path.Address.HasLocalScope ? "" : actorRef.Path.ToStringWithUid();
        }
    }

    public IActorRef? RefOf(string path)
    {
        if (string.IsNullOrEmpty(path)) return null;
        return RefOf(ActorPath.Parse(path));
    }

    internal IActorRef RefOf(ActorPath path) =>
        path.Address.Equals(System.Address)
            ? ResolveLocal(path) ?? new DeadLetterActorRef(System, path)
            : new RemoteActorRef(this, path);

    /// <summary>A live local actor or pending Ask at <paramref name="path"/>, or null.</summary>
    internal InternalActorRef? ResolveLocal(ActorPath path)
    {
        if (!path.Address.Equals(System.Address)) return null;
        if (path.Elements is ["temp", _]) return _temps.TryGetValue(path.ToString(), out var promise) ? promise : null;
        return System.ResolveLocal(path);
    }

    internal void SendUser(RemoteActorRef target, object message, IActorRef? sender)
    {
        var recipient = target.Path.ToStringWithUid();
        if (Serializers.TryGetBulk(message.GetType(), out var bulk))
        {
            SendBulk(target, recipient, message, sender, bulk);
            return;
        }
        var (manifest, payload) = Serializers.Serialize(message, this, recipient);
        var envelope = new RemoteEnvelope { Recipient = recipient, Sender = PathOf(sender), Manifest = manifest, Payload = payload };
        if (!TrySend(target.Node, envelope))
        {
            System.RecordDeadLetter(new DeadLetter(message, sender, target));
        }
    }

    /// <summary>
    /// Serialises on the caller's thread (so size errors throw at Tell) and queues the transfer on the peer node's
    /// bulk outbox, whose single loop sends in Tell order.
    /// </summary>
    private void SendBulk(RemoteActorRef target, string recipient, object message, IActorRef? sender, BulkMessageSerializer serializer)
    {
        var parts = serializer.ToBulk(message, this);
        var settings = Transport.Settings;
        var header = BulkHeaders.Build(settings, message.GetType(), recipient, serializer.Manifest, PathOf(sender), parts);
        var item = new QueuedBulk(header, parts.Payload, message, new BulkRoute(sender, target));
        var outbox = BulkOutboxFor(target.Node);
        var outcome = outbox?.TryEnqueue(item, settings.MaxBulkOutboxBytes) ?? BulkEnqueue.Dropped;
        if (outcome == BulkEnqueue.Queued) return;
        // Full (the outbox logged it), stopping, or the node was just declared gone and its outbox dropped.
        System.RecordDeadLetter(new DeadLetter(message, sender, target));
    }

    /// <summary>Who sent a queued bulk message and to whom: what its dead letter names if it is lost.</summary>
    private sealed record BulkRoute(IActorRef? Sender, IActorRef Recipient);

    /// <summary>The outbox to <paramref name="node"/>, created on first use; null once this node is stopping.</summary>
    private BulkOutbox? BulkOutboxFor(RemoteAddress node)
    {
        if (_bulkOutboxes.TryGetValue(node, out var outbox)) return outbox;
        lock (_bulkOutboxGate)
        {
            if (Volatile.Read(ref _stopped) != 0) return null;
            if (_bulkOutboxes.TryGetValue(node, out outbox)) return outbox;
            var transport = Transport;
            outbox = new BulkOutbox(node.ToString(), _ => ValueTask.FromResult(transport.GetOrConnect(node)), _bulkLog,
                (lost, _) => System.RecordDeadLetter(new DeadLetter(lost.Message, ((BulkRoute)lost.Route!).Sender, ((BulkRoute)lost.Route!).Recipient)),
                "remote.bulk-outbox-limit");
            _bulkOutboxes[node] = outbox;
            return outbox;
        }
    }

    /// <summary>Nodes we have queued bulk messages for; the watcher checks them for "gone" as it does watched nodes.</summary>
    internal IEnumerable<RemoteAddress> BulkPeers => _bulkOutboxes.Keys;

    /// <summary>A node is gone: what is queued for it becomes dead letters (one log line); a later Tell starts a new outbox.</summary>
    internal void DropBulkOutbox(RemoteAddress node, string reason)
    {
        if (_bulkOutboxes.TryRemove(node, out var outbox)) outbox.Drop(reason);
    }

    private async Task DropBulkOutboxesAsync(string reason)
    {
        BulkOutbox[] outboxes;
        // _stopped is set before this runs, so no outbox appears after the snapshot.
        lock (_bulkOutboxGate) outboxes = _bulkOutboxes.Values.ToArray();
        foreach (var node in _bulkOutboxes.Keys.ToArray()) DropBulkOutbox(node, reason);
        await Task.WhenAll(outboxes.Select(o => o.Completion)).ConfigureAwait(false);
    }

    private void OnAssociationEvent(AssociationEvent e)
    {
        if (e is Quarantined q) DropBulkOutbox(q.Peer, $"quarantined: {q.Reason}");
    }

    internal void SendSystem(RemoteAddress node, ActorPath recipient, IMessage message)
    {
        var envelope = new RemoteEnvelope
        {
            Recipient = recipient.ToStringWithUid(), Manifest = message.Descriptor.FullName, Payload = message.ToByteString(),
        };
        if (!TrySend(node, envelope))
        {
            _log.Debug($"{message.Descriptor.Name} for {recipient} not sent: remoting to {node} is closed");
        }
    }

    private bool TrySend(RemoteAddress node, RemoteEnvelope envelope)
    {
        try
        {
            return Transport.GetOrConnect(node).SendControl(envelope);
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>One envelope from an authenticated peer, on that peer's connection thread (in order per peer).</summary>
    internal void Deliver(UniqueRemoteAddress from, RemoteEnvelope envelope)
    {
        object message;
        IActorRef? sender;
        ActorPath recipientPath;
        try
        {
            message = Serializers.Deserialize(envelope.Manifest, envelope.Payload, this);
            sender = RefOf(envelope.Sender);
            recipientPath = ActorPath.Parse(envelope.Recipient);
        }
        catch (Exception e) when (e is RemoteSerializationException or FormatException)
        {
            _log.Warning($"dropped a message from {from} for '{envelope.Recipient}': {e.Message}");
            return;
        }
        switch (message)
        {
            case RemoteWatch watch:
                Watcher.OnRemoteWatch(from, watch);
                return;
            case RemoteUnwatch unwatch:
                Watcher.OnRemoteUnwatch(from, unwatch);
                return;
            case RemoteDeathWatchNotification notification:
                Watcher.OnRemoteDeathWatchNotification(from, notification);
                return;
        }
        var recipient = ResolveLocal(recipientPath);
        if (message is Identify identify)
        {
            (sender ?? System.DeadLetters).Tell(new ActorIdentity(identify.MessageId, recipient));
            return;
        }
        if (recipient is null)
        {
            _log.Info($"dead letter: {message.GetType().Name} from {from} (sender {envelope.Sender}) to unknown recipient {envelope.Recipient}");
            new DeadLetterActorRef(System, recipientPath).Tell(message, sender);
            return;
        }
        recipient.Tell(message, sender);
    }

    /// <summary>
    /// One complete bulk transfer from an authenticated peer, on that peer's bulk connection thread (in order). The
    /// payload buffer is pooled: FromBulk copies what it keeps, and the buffer goes back when this returns.
    /// </summary>
    internal void DeliverBulk(UniqueRemoteAddress from, BulkPayload payload)
    {
        using var _ = payload;
        var header = payload.Header;
        object message;
        IActorRef? sender;
        ActorPath recipientPath;
        try
        {
            if (!Serializers.TryGetBulk(header.Manifest, out var serializer))
                throw new RemoteSerializationException($"unknown bulk manifest '{header.Manifest}'");
            recipientPath = ActorPath.Parse(header.Recipient);
            sender = RefOf(header.Sender);
            try
            {
                message = serializer.FromBulk(header.Metadata.Memory, payload.Data, this)
                          ?? throw new RemoteSerializationException($"bulk serializer for '{header.Manifest}' returned null");
            }
            catch (Exception e) when (e is not RemoteSerializationException)
            {
                // FromBulk is user code reading bytes a peer sent: whatever it throws means garbled input, never a
                // reason to take the connection or the node down.
                throw new RemoteSerializationException(
                    $"garbled bulk message for manifest '{header.Manifest}' ({header.Metadata.Length} metadata bytes, {payload.Data.Length} payload bytes): " +
                    $"{e.GetType().Name}: {e.Message}", e);
            }
        }
        catch (Exception e) when (e is RemoteSerializationException or FormatException)
        {
            _log.Warning($"dropped a bulk message from {from} for '{header.Recipient}': {e.Message}");
            return;
        }
        if (ResolveLocal(recipientPath) is not { } recipient)
        {
            _log.Info($"dead letter: bulk {message.GetType().Name} from {from} (sender {header.Sender}) to unknown recipient {header.Recipient}");
            new DeadLetterActorRef(System, recipientPath).Tell(message, sender);
            return;
        }
        recipient.Tell(message, sender);
    }

    /// <summary>The transport starts before the system exists (the system's address needs the bound port).</summary>
    private sealed class InboundHandler(IRemoteLogSink log) : IInboundHandler
    {
        private RemoteActorSystem? _node;

        public void Attach(RemoteActorSystem node) => Volatile.Write(ref _node, node);

        public void OnControl(UniqueRemoteAddress from, RemoteEnvelope envelope)
        {
            if (Volatile.Read(ref _node) is { } node) node.Deliver(from, envelope);
            else log.Log(RemoteLogLevel.Warning, $"dropped '{envelope.Manifest}' for '{envelope.Recipient}' from {from}: the actor system is still starting");
        }

        public void OnBulk(UniqueRemoteAddress from, BulkPayload payload)
        {
            if (Volatile.Read(ref _node) is { } node)
            {
                node.DeliverBulk(from, payload);
                return;
            }
            log.Log(RemoteLogLevel.Warning, $"dropped bulk transfer '{payload.Header.Manifest}' for '{payload.Header.Recipient}' from {from}: the actor system is still starting");
            payload.Dispose();
        }
    }

    /// <summary>Routes transport log lines to the actor system's log once it exists.</summary>
    private sealed class TransportLogBridge(ILoggingAdapter initial) : IRemoteLogSink
    {
        private volatile ILoggingAdapter _log = initial;

        public ILoggingAdapter Target
        {
            set => _log = value;
        }

        public void Log(RemoteLogLevel level, string message) => _log.Log(level switch
        {
            RemoteLogLevel.Debug => LogLevel.Debug,
            RemoteLogLevel.Info => LogLevel.Info,
            RemoteLogLevel.Warning => LogLevel.Warning,
            _ => LogLevel.Error,
        }, null, message);
    }
}
