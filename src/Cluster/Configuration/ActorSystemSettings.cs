using Microsoft.Extensions.Configuration;

namespace ActorCodistill.Cluster.Configuration;

public enum ActorLogLevel
{
    Debug,
    Info,
    Warning,
    Error,
}

/// <summary>The overflow policies the runtime's mailboxes implement (see Actors.OverflowPolicy).</summary>
public enum MailboxOverflow
{
    DropNewest,
    Fail,
}

public sealed record DispatcherSettings(int Throughput);

public sealed record PinnedDispatcherSettings(int Throughput, string ThreadNamePrefix);

/// <param name="Capacity">Maximum queued messages; 0 means unbounded.</param>
public sealed record MailboxSettings(int Capacity, MailboxOverflow Overflow)
{
    public bool IsBounded => Capacity > 0;
}

/// <summary>The <c>actor { }</c> section, bound and validated once at start-up.</summary>
public sealed record ActorSystemSettings(
    DispatcherSettings DefaultDispatcher,
    PinnedDispatcherSettings PinnedDispatcher,
    MailboxSettings Mailbox,
    TimeSpan AskTimeout,
    ActorLogLevel LogLevel)
{
    public static ActorSystemSettings From(IConfiguration configuration) => Bind(new SettingsReader(configuration));

    public static ActorSystemSettings Bind(SettingsReader config)
    {
        var actor = config.At("actor");
        var pinned = actor.At("pinned-dispatcher");
        var mailbox = actor.At("mailbox");
        return new ActorSystemSettings(
            new DispatcherSettings(actor.At("default-dispatcher").GetInt("throughput", min: 1, max: 1_000_000)),
            new PinnedDispatcherSettings(pinned.GetInt("throughput", min: 1, max: 1_000_000), pinned.GetString("thread-name-prefix", allowEmpty: false)),
            new MailboxSettings(
                mailbox.Get("capacity", "unbounded or an integer >= 0 (0 = unbounded)", ParseCapacity),
                mailbox.GetEnum<MailboxOverflow>("overflow")),
            actor.GetDuration("ask-timeout", min: TimeSpan.FromMilliseconds(1)),
            actor.GetEnum<ActorLogLevel>("log-level"));
    }

    /// <summary>
    /// The runtime's settings record built from this validated view of the <c>actor { }</c> section: the one
    /// place where configuration keys meet the actor runtime.
    /// </summary>
    public Actors.ActorSystemSettings ToRuntime() => Actors.ActorSystemSettings.Default with
    {
        Throughput = DefaultDispatcher.Throughput,
        DefaultMailbox = Mailbox.IsBounded
            ? Actors.MailboxSettings.Bounded(Mailbox.Capacity, Mailbox.Overflow == MailboxOverflow.Fail ? Actors.OverflowPolicy.Fail : Actors.OverflowPolicy.DropNewest)
            : Actors.MailboxSettings.Unbounded,
        DefaultAskTimeout = AskTimeout,
        LogLevel = LogLevel switch
        {
            ActorLogLevel.Debug => Actors.LogLevel.Debug,
            ActorLogLevel.Info => Actors.LogLevel.Info,
            ActorLogLevel.Warning => Actors.LogLevel.Warning,
            _ => Actors.LogLevel.Error,
        },
    };

    private static int ParseCapacity(string text)
    {
        if (text.Trim() == "unbounded")
        {
            return 0;
        }

        return int.TryParse(text.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new FormatException("neither 'unbounded' nor a non-negative integer");
    }
}
