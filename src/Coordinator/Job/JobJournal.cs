using System.Globalization;
using ActorCodistill.Cluster.Bootstrap;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Sql;
using PersistenceSettings = ActorCodistill.Cluster.Persistence.PersistenceSettings;
using ReceivePersistentActor = Akka.Persistence.ReceivePersistentActor;

namespace ActorCodistill.Coordinator.Job;

/// <summary>
/// The coordinator's journal on Akka.Persistence (issue 17): Akka.Persistence.Sql with SQLite (a file in the run folder,
/// the default) or PostgreSQL (<c>persistence.journal.plugin = postgres</c>), or Akka's in-memory journal
/// (<c>plugin = none</c>). The coordinator is a persistent actor with the persistence id <see cref="PersistenceId"/>;
/// anything that reads or seeds a job's history before the coordinator runs does it through the same plugin
/// (<see cref="Read"/>, <see cref="Write"/>), so there is one journal and one format.
/// </summary>
public static class JobJournal
{
    public static string PersistenceId(string jobId) => $"job-{jobId}";

    /// <summary>The Akka configuration of the journal <paramref name="settings"/> name (SQLite path already resolved), with the job events' serializer.</summary>
    public static Config AkkaConfig(PersistenceSettings? settings)
    {
        var serializer = $$"""
            akka.actor {
              serializers.job-event = "{{typeof(JobEventSerializer).AssemblyQualifiedName}}"
              serialization-bindings { "{{typeof(JobEvent).FullName}}, {{typeof(JobEvent).Assembly.GetName().Name}}" = job-event }
            }
            """;
        if (settings is null || settings.Plugin == "none")
            return ConfigurationFactory.ParseString(serializer + """

                akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
                akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
                """);
        var (connection, provider, schema) = settings.Plugin == PersistenceSettings.PostgresPlugin
            ? (settings.PostgresConnectionString ?? throw new ArgumentException("persistence.journal.plugin = postgres needs persistence.journal.postgres.connection-string (or CODISTILL_PG)"),
                "PostgreSQL.15", settings.PostgresSchema)
            : ($"Data Source={settings.SqlitePath}", "SQLite.MS", null);
        var schemaLine = schema is null ? "" : $"default.schema-name = {AkkaSettings.Quote(schema)}";
        var plugin = $$"""
              connection-string = {{AkkaSettings.Quote(connection)}}
              provider-name = "{{provider}}"
              table-mapping = default
              auto-initialize = on
              {{schemaLine}}
            """;
        return ConfigurationFactory.ParseString(serializer + $$"""

            akka.persistence {
              journal {
                plugin = "akka.persistence.journal.sql"
                sql {
            {{plugin}}
                }
              }
              query.journal.sql {
            {{plugin}}
              }
              snapshot-store {
                plugin = "akka.persistence.snapshot-store.sql"
                sql {
            {{plugin}}
                }
              }
            }
            """).WithFallback(SqlPersistence.DefaultConfiguration);
    }

    /// <summary>
    /// The job's history as the journal holds it, read by replaying it into a short-lived persistent actor with the job's
    /// persistence id (run it before the coordinator starts: two writers of one id must never run at once). Throws
    /// <see cref="JournalReadException"/> when the journal cannot be read (a damaged file, a database that refuses).
    /// </summary>
    public static IReadOnlyList<JobEvent> Read(ActorSystem system, string jobId, TimeSpan? timeout = null)
    {
        var answer = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
        system.ActorOf(Props.Create(() => new HistoryReader(PersistenceId(jobId), answer)));
        var wait = timeout ?? TimeSpan.FromSeconds(60);
        if (!answer.Task.Wait(wait))
            throw new JournalReadException($"the journal did not answer within {wait.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s", null);
        return answer.Task.Result switch
        {
            IReadOnlyList<JobEvent> events => events,
            Exception e => throw new JournalReadException(e.Message, e),
            var other => throw new InvalidOperationException($"unexpected answer {other}"),
        };
    }

    /// <summary>Appends <paramref name="events"/> to the job's history (tests that start from a history; never while the job's coordinator runs).</summary>
    public static void Write(ActorSystem system, string jobId, IReadOnlyList<JobEvent> events)
    {
        var done = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
        system.ActorOf(Props.Create(() => new HistoryWriter(PersistenceId(jobId), events, done)));
        if (!done.Task.Wait(TimeSpan.FromSeconds(60))) throw new TimeoutException("the journal did not confirm the writes within 60 s");
        if (done.Task.Result is Exception e) throw new JournalReadException(e.Message, e);
    }

    private sealed class HistoryReader : ReceivePersistentActor
    {
        private readonly List<JobEvent> _events = new();
        private readonly TaskCompletionSource<object> _answer;

        public HistoryReader(string persistenceId, TaskCompletionSource<object> answer)
        {
            PersistenceId = persistenceId;
            _answer = answer;
            Recover<JobEvent>(_events.Add);
            Recover<RecoveryCompleted>(_ =>
            {
                _answer.TrySetResult(_events.ToArray());
                Context.Stop(Self);
            });
        }

        public override string PersistenceId { get; }

        protected override void OnRecoveryFailure(Exception reason, object? message = null)
        {
            _answer.TrySetResult(reason);
            base.OnRecoveryFailure(reason, message);
        }
    }

    private sealed class HistoryWriter : ReceivePersistentActor
    {
        public HistoryWriter(string persistenceId, IReadOnlyList<JobEvent> events, TaskCompletionSource<object> done)
        {
            PersistenceId = persistenceId;
            Recover<RecoveryCompleted>(_ =>
            {
                if (events.Count == 0)
                {
                    done.TrySetResult(true);
                    Context.Stop(Self);
                    return;
                }
                PersistAll(events, e =>
                {
                    if (!ReferenceEquals(e, events[^1])) return;
                    done.TrySetResult(true);
                    Context.Stop(Self);
                });
            });
            Recover<JobEvent>(_ => { });
            _done = done;
        }

        private readonly TaskCompletionSource<object> _done;

        public override string PersistenceId { get; }

        protected override void OnRecoveryFailure(Exception reason, object? message = null)
        {
            _done.TrySetResult(reason);
            base.OnRecoveryFailure(reason, message);
        }

        protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
        {
            _done.TrySetResult(cause);
            base.OnPersistFailure(cause, @event, sequenceNr);
        }
    }
}

/// <summary>The job's journal could not be read (a damaged file, a database that refuses the connection).</summary>
public sealed class JournalReadException(string message, Exception? inner) : Exception(message, inner);
