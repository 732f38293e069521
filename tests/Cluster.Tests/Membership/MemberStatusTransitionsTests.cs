using ActorCodistill.Cluster.Membership;
using static ActorCodistill.Cluster.Tests.Membership.MembershipTestNodes;

namespace ActorCodistill.Cluster.Tests.Membership;

[Trait("Category", "Unit")]
public class MemberStatusTransitionsTests
{
    // Written out independently of the production table: rows = from, columns = to, in enum order
    // Joining, WeaklyUp, Up, Leaving, Exiting, Down, Removed; 'x' = allowed, '.' = illegal, '=' = same status.
    private static readonly string[] Expected =
    [
        "=xxx.xx", // Joining
        ".=xx.xx", // WeaklyUp
        "..=x.xx", // Up
        "...=xxx", // Leaving
        "....=xx", // Exiting
        ".....=x", // Down
        "......=", // Removed
    ];

    public static TheoryData<MemberStatus, MemberStatus> AllPairs()
    {
        var data = new TheoryData<MemberStatus, MemberStatus>();
        foreach (var from in Enum.GetValues<MemberStatus>())
        {
            foreach (var to in Enum.GetValues<MemberStatus>())
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void WithStatus_EveryPair_FollowsTable(MemberStatus from, MemberStatus to)
    {
        var expected = Expected[(int)from][(int)to];
        var member = Member.Joining(Node(1)) with { Status = from };

        if (expected == '.')
        {
            Assert.False(MemberStatusTransitions.IsAllowed(from, to));
            var ex = Assert.Throws<IllegalMemberTransitionException>(() => member.WithStatus(to));
            Assert.Equal(from, ex.From);
            Assert.Equal(to, ex.To);
            Assert.Contains($"from {from} to {to}", ex.Message);
            Assert.Contains(Node(1).ToString(), ex.Message);
        }
        else if (expected == '=')
        {
            Assert.False(MemberStatusTransitions.IsAllowed(from, to));
            Assert.Same(member, member.WithStatus(to));
        }
        else
        {
            Assert.True(MemberStatusTransitions.IsAllowed(from, to));
            Assert.Equal(to, member.WithStatus(to).Status);
        }
    }

    [Fact]
    public void Table_CoversEveryStatus_AndHas18LegalMoves()
    {
        Assert.Equal(Enum.GetValues<MemberStatus>().Length, MemberStatusTransitions.Allowed.Count);
        Assert.Equal(18, MemberStatusTransitions.Allowed.Values.Sum(s => s.Count));
    }

    [Fact]
    public void HighestPriorityOf_DifferentStatus_LaterStageWinsEitherOrder()
    {
        var up = Member.Joining(Node(1)).MoveUp(1);
        var leaving = up.WithStatus(MemberStatus.Leaving);
        Assert.Equal(leaving, Member.HighestPriorityOf(up, leaving));
        Assert.Equal(leaving, Member.HighestPriorityOf(leaving, up));
    }

    [Fact]
    public void HighestPriorityOf_BothUp_OlderUpNumberWins()
    {
        var joining = Member.Joining(Node(1));
        Assert.Equal(2, Member.HighestPriorityOf(joining.MoveUp(5), joining.MoveUp(2)).UpNumber);
        Assert.Equal(2, Member.HighestPriorityOf(joining.MoveUp(2), joining.MoveUp(5)).UpNumber);
    }
}
