using Microsoft.Extensions.Configuration;

namespace ActorCodistill.Cluster.Configuration;

public enum ActorLogLevel
{
    Debug,
    Info,
    Warning,
    Error,
}

/// <summary>
/// What a full bounded mailbox does (<c>actor.mailbox.overflow</c>): the message goes to dead letters (Akka.NET's
/// <c>BoundedMailbox</c> with no push timeout). The own runtime's <c>fail</c> (Tell throws) has no Akka counterpart and
/// is refused, naming the key.
/// </summary>
public enum MailboxOverflow
{
    DropNewest,
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
