using System.Collections.Immutable;
using ActorCodistill.Cluster.Actors;

namespace ActorCodistill.Cluster.Membership;

/// <summary>What the seed-join process asks the actor to do after a step.</summary>
public abstract record SeedJoinCommand
{
    public sealed record None : SeedJoinCommand;

    /// <summary>Send InitJoin to these seeds (they answer InitJoinAck when they are cluster members).</summary>
    public sealed record SendInitJoin(ImmutableArray<Address> Seeds) : SeedJoinCommand;

    /// <summary>Send Join to this seed: it answered first.</summary>
    public sealed record JoinSeed(Address Seed) : SeedJoinCommand;

    /// <summary>Form a new cluster by joining ourselves (first seed only, nobody answered in time).</summary>
    public sealed record JoinSelf : SeedJoinCommand;
}

public enum SeedJoinPhase
{
    Discovering,
    Joining,
    Joined,
}

public sealed record SeedJoinStep(SeedJoinState State, SeedJoinCommand Command);

/// <summary>
/// Which node to join (Akka's <c>FirstSeedNodeProcess</c> / <c>JoinSeedNodeProcess</c>), as pure state clocked by
/// explicit times. Everyone asks the other seeds with InitJoin every <see cref="RetryInterval"/> and joins the first
/// that acknowledges. Only the first seed in the configured list may form a cluster on its own, and only after
/// <see cref="SeedNodeTimeout"/> passed with no acknowledgement, so two seeds started together cannot form two
/// clusters. Other seeds and non-seeds keep asking forever. A join that is not welcomed within
/// <see cref="RetryJoinAfter"/> starts discovery again. Timeouts are noticed by <see cref="Tick"/>, so the actor
/// needs only one periodic timer.
/// </summary>
public sealed record SeedJoinState(
    Address Self,
    ImmutableArray<Address> Seeds,
    TimeSpan SeedNodeTimeout,
    TimeSpan RetryInterval,
    TimeSpan RetryJoinAfter,
    SeedJoinPhase Phase,
    Address? Target,
    DateTimeOffset PhaseStarted,
    DateTimeOffset NextInitJoin)
{
    public bool IsFirstSeed => Seeds[0] == Self;

    public ImmutableArray<Address> OtherSeeds => Seeds.Where(s => s != Self).ToImmutableArray();

    /// <exception cref="ArgumentException">When <paramref name="seeds"/> is empty or a duration is not positive.</exception>
    public static SeedJoinStep Start(
        Address self, IEnumerable<Address> seeds, TimeSpan seedNodeTimeout, TimeSpan retryInterval, TimeSpan retryJoinAfter, DateTimeOffset now)
    {
        var list = seeds.ToImmutableArray();
        if (list.IsEmpty)
        {
            throw new ArgumentException("cluster.seed-nodes is empty: there is nobody to join.", nameof(seeds));
        }

        if (seedNodeTimeout <= TimeSpan.Zero || retryInterval <= TimeSpan.Zero || retryJoinAfter <= TimeSpan.Zero)
        {
            throw new ArgumentException(
                $"cluster.seed-node-timeout ({seedNodeTimeout}), the InitJoin retry interval ({retryInterval}) and the join retry ({retryJoinAfter}) must be positive.");
        }

        var state = new SeedJoinState(self, list, seedNodeTimeout, retryInterval, retryJoinAfter, SeedJoinPhase.Discovering, null, now, now);
        if (state.IsFirstSeed && state.OtherSeeds.IsEmpty)
        {
            return state.JoinTarget(self, now, new SeedJoinCommand.JoinSelf());
        }

        return state.AskSeeds(now);
    }

    public SeedJoinStep Tick(DateTimeOffset now) => Phase switch
    {
        SeedJoinPhase.Discovering when IsFirstSeed && now - PhaseStarted >= SeedNodeTimeout =>
            JoinTarget(Self, now, new SeedJoinCommand.JoinSelf()),
        SeedJoinPhase.Discovering when now >= NextInitJoin => AskSeeds(now),
        SeedJoinPhase.Joining when now - PhaseStarted >= RetryJoinAfter =>
            (this with { Phase = SeedJoinPhase.Discovering, Target = null, PhaseStarted = now }).AskSeeds(now),
        _ => Unchanged,
    };

    /// <summary>A seed answered; the first answer while discovering wins, later ones and strangers are ignored.</summary>
    public SeedJoinStep OnInitJoinAck(Address seed, DateTimeOffset now) =>
        Phase == SeedJoinPhase.Discovering && seed != Self && Seeds.Contains(seed)
            ? JoinTarget(seed, now, new SeedJoinCommand.JoinSeed(seed))
            : Unchanged;

    /// <summary>The cluster accepted us (Welcome); the process is over.</summary>
    public SeedJoinStep OnWelcome() =>
        Phase == SeedJoinPhase.Joined ? Unchanged : new SeedJoinStep(this with { Phase = SeedJoinPhase.Joined }, new SeedJoinCommand.None());

    private SeedJoinStep Unchanged => new(this, new SeedJoinCommand.None());

    private SeedJoinStep AskSeeds(DateTimeOffset now) =>
        new(this with { NextInitJoin = now + RetryInterval }, new SeedJoinCommand.SendInitJoin(OtherSeeds));

    private SeedJoinStep JoinTarget(Address target, DateTimeOffset now, SeedJoinCommand command) =>
        new(this with { Phase = SeedJoinPhase.Joining, Target = target, PhaseStarted = now }, command);
}
