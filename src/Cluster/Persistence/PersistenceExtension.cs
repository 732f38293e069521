using System.Runtime.CompilerServices;
using ActorCodistill.Cluster.Actors;
using Microsoft.Extensions.Configuration;

namespace ActorCodistill.Cluster.Persistence;

/// <summary>
/// The journal, snapshot store and serializer that every <see cref="ReceivePersistentActor"/> of one
/// <see cref="ActorSystem"/> uses (Akka's <c>Persistence.Get(system)</c>; named so that it does not clash
/// with this namespace). Register once at start-up, before the first persistent actor is created.
/// </summary>
public sealed class PersistenceExtension
{
    private static readonly ConditionalWeakTable<ActorSystem, PersistenceExtension> Extensions = new();

    private PersistenceExtension(IJournal journal, ISnapshotStore snapshotStore, IPersistenceSerializer serializer)
    {
        Journal = journal;
        SnapshotStore = snapshotStore;
        Serializer = serializer;
    }

    public IJournal Journal { get; }

    public ISnapshotStore SnapshotStore { get; }

    public IPersistenceSerializer Serializer { get; }

    /// <summary>
    /// Uses <paramref name="stores"/> for <paramref name="system"/>. With <paramref name="disposeOnTerminate"/>
    /// the stores are disposed once the system has terminated (after every actor's PostStop); otherwise the
    /// caller owns them.
    /// </summary>
    /// <exception cref="InvalidOperationException">The system already has persistence registered.</exception>
    public static PersistenceExtension Register(
        ActorSystem system,
        PersistenceStores stores,
        IPersistenceSerializer? serializer = null,
        bool disposeOnTerminate = false)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(stores);
        var extension = new PersistenceExtension(stores.Journal, stores.Snapshots, serializer ?? new JsonPersistenceSerializer());
        if (!Extensions.TryAdd(system, extension))
            throw new InvalidOperationException($"persistence is already registered for actor system '{system.Name}'; register it once at start-up");
        if (disposeOnTerminate)
            _ = system.WhenTerminated.ContinueWith(_ => stores.DisposeAsync().AsTask(), CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).Unwrap();
        return extension;
    }

    /// <summary>
    /// Builds the stores from the <c>persistence { }</c> section (<see cref="PersistenceSettings.FromConfiguration"/>,
    /// then <see cref="PersistenceFactory.Create"/> with the system's TimeProvider) and registers them; they are
    /// disposed when the system terminates.
    /// </summary>
    /// <exception cref="PersistenceConfigurationException">A persistence key is invalid; the exception names it.</exception>
    public static PersistenceExtension Register(
        ActorSystem system,
        IConfiguration configuration,
        IPersistenceSerializer? serializer = null,
        Action<CorruptSnapshot>? onCorruptSnapshot = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(configuration);
        onCorruptSnapshot ??= c => system.Log.Warning(c.ToString());
        var stores = PersistenceFactory.Create(PersistenceSettings.FromConfiguration(configuration), system.TimeProvider, onCorruptSnapshot);
        try
        {
            return Register(system, stores, serializer, disposeOnTerminate: true);
        }
        catch
        {
            stores.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    /// <exception cref="InvalidOperationException">No persistence registered for <paramref name="system"/>.</exception>
    public static PersistenceExtension Get(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        return Extensions.TryGetValue(system, out var extension)
            ? extension
            : throw new InvalidOperationException(
                $"actor system '{system.Name}' has no persistence registered; call PersistenceExtension.Register(system, configuration) " +
                "at start-up, before creating persistent actors");
    }

    public static bool TryGet(ActorSystem system, out PersistenceExtension? extension) =>
        Extensions.TryGetValue(system, out extension);
}
