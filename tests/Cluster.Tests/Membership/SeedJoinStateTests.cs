using ActorCodistill.Cluster.Membership;
using static ActorCodistill.Cluster.Tests.Membership.MembershipTestNodes;

namespace ActorCodistill.Cluster.Tests.Membership;

[Trait("Category", "Unit")]
public class SeedJoinStateTests
{
    private static readonly TimeSpan SeedNodeTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RetryJoinAfter = TimeSpan.FromSeconds(10);

    private static SeedJoinStep Start(int self, params int[] seeds) =>
        SeedJoinState.Start(Addr(self), seeds.Select(Addr), SeedNodeTimeout, RetryInterval, RetryJoinAfter, T0);

    private static DateTimeOffset At(double seconds) => T0 + TimeSpan.FromSeconds(seconds);

    [Fact]
    public void FirstSeed_NoAnswerWithinTimeout_JoinsItself()
    {
        var step = Start(1, 1, 2, 3);
        Assert.Equal(new[] { Addr(2), Addr(3) }, Assert.IsType<SeedJoinCommand.SendInitJoin>(step.Command).Seeds.ToArray());

        for (var s = 1; s <= 4; s++)
        {
            step = step.State.Tick(At(s));
            Assert.IsType<SeedJoinCommand.SendInitJoin>(step.Command);
        }

        step = step.State.Tick(At(4.9));
        Assert.IsType<SeedJoinCommand.None>(step.Command);

        step = step.State.Tick(At(5));
        Assert.IsType<SeedJoinCommand.JoinSelf>(step.Command);
        Assert.Equal(SeedJoinPhase.Joining, step.State.Phase);
        Assert.Equal(Addr(1), step.State.Target);
    }

    [Fact]
    public void FirstSeed_AloneInSeedList_JoinsItselfImmediately()
    {
        Assert.IsType<SeedJoinCommand.JoinSelf>(Start(1, 1).Command);
    }

    [Fact]
    public void FirstSeed_AnotherSeedAnswersBeforeTimeout_JoinsThatSeed()
    {
        var step = Start(1, 1, 2, 3).State.Tick(At(1)).State.OnInitJoinAck(Addr(3), At(1.5));

        Assert.Equal(Addr(3), Assert.IsType<SeedJoinCommand.JoinSeed>(step.Command).Seed);
        Assert.IsType<SeedJoinCommand.None>(step.State.Tick(At(6)).Command);
    }

    [Fact]
    public void SecondSeed_NeverJoinsItself_JoinsFirstSeedWhenItAnswers()
    {
        var step = Start(2, 1, 2, 3);
        Assert.Equal(new[] { Addr(1), Addr(3) }, Assert.IsType<SeedJoinCommand.SendInitJoin>(step.Command).Seeds.ToArray());

        for (var s = 1; s <= 30; s++)
        {
            step = step.State.Tick(At(s));
            Assert.IsType<SeedJoinCommand.SendInitJoin>(step.Command);
        }

        step = step.State.OnInitJoinAck(Addr(1), At(30.5));
        Assert.Equal(Addr(1), Assert.IsType<SeedJoinCommand.JoinSeed>(step.Command).Seed);

        step = step.State.OnWelcome();
        Assert.Equal(SeedJoinPhase.Joined, step.State.Phase);
        Assert.IsType<SeedJoinCommand.None>(step.State.Tick(At(100)).Command);
    }

    [Fact]
    public void NonSeed_AsksAllSeeds_JoinsFirstToAnswerAndIgnoresLaterAcks()
    {
        var step = Start(9, 1, 2, 3);
        Assert.Equal(new[] { Addr(1), Addr(2), Addr(3) }, Assert.IsType<SeedJoinCommand.SendInitJoin>(step.Command).Seeds.ToArray());

        step = step.State.OnInitJoinAck(Addr(2), At(0.2));
        Assert.Equal(Addr(2), Assert.IsType<SeedJoinCommand.JoinSeed>(step.Command).Seed);

        var late = step.State.OnInitJoinAck(Addr(1), At(0.3));
        Assert.IsType<SeedJoinCommand.None>(late.Command);
        Assert.Equal(Addr(2), late.State.Target);
    }

    [Fact]
    public void NonSeed_JoinNotWelcomed_RetriesAllSeedsAfterRetryJoinAfter()
    {
        var joining = Start(9, 1, 2).State.OnInitJoinAck(Addr(1), At(1)).State;

        Assert.IsType<SeedJoinCommand.None>(joining.Tick(At(10.9)).Command);

        var retry = joining.Tick(At(11));
        Assert.Equal(SeedJoinPhase.Discovering, retry.State.Phase);
        Assert.Equal(new[] { Addr(1), Addr(2) }, Assert.IsType<SeedJoinCommand.SendInitJoin>(retry.Command).Seeds.ToArray());
        Assert.Equal(Addr(2), Assert.IsType<SeedJoinCommand.JoinSeed>(retry.State.OnInitJoinAck(Addr(2), At(11.5)).Command).Seed);
    }

    [Fact]
    public void OnInitJoinAck_FromStranger_Ignored()
    {
        var step = Start(9, 1, 2).State.OnInitJoinAck(Addr(7), At(1));

        Assert.IsType<SeedJoinCommand.None>(step.Command);
        Assert.Equal(SeedJoinPhase.Discovering, step.State.Phase);
    }

    [Fact]
    public void Start_NoSeeds_ThrowsNamingKey()
    {
        var ex = Assert.Throws<ArgumentException>(() => Start(1));
        Assert.Contains("cluster.seed-nodes", ex.Message);
    }
}
