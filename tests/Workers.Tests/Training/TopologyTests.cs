using ActorCodistill.Workers.Training;

namespace ActorCodistill.Workers.Tests.Training;

[Trait("Category", "Unit")]
public class TopologyTests
{
    [Fact]
    public void Pairwise_TwoGroups_EachReadsTheOther()
    {
        Assert.Equal([1], Topology.TeachersOf(TopologyKind.Pairwise, 0, 2));
        Assert.Equal([0], Topology.TeachersOf(TopologyKind.Pairwise, 1, 2));
        Assert.Equal([1], Topology.ReadersOf(TopologyKind.Pairwise, 0, 2));
    }

    [Fact]
    public void Pairwise_ThreeGroups_ThrowsSayingWhatToUse()
    {
        var error = Assert.Throws<ArgumentException>(() => Topology.TeachersOf(TopologyKind.Pairwise, 0, 3));
        Assert.Contains("exactly 2 groups", error.Message);
    }

    [Fact]
    public void Ring_FourGroups_EachReadsItsPredecessorAndFeedsItsSuccessor()
    {
        Assert.Equal([3], Topology.TeachersOf(TopologyKind.Ring, 0, 4));
        Assert.Equal([1], Topology.TeachersOf(TopologyKind.Ring, 2, 4));
        Assert.Equal([1], Topology.ReadersOf(TopologyKind.Ring, 0, 4));
        Assert.Equal([0], Topology.ReadersOf(TopologyKind.Ring, 3, 4));
    }

    [Fact]
    public void AllToAll_FourGroups_EveryOtherGroup()
    {
        Assert.Equal([0, 1, 3], Topology.TeachersOf(TopologyKind.AllToAll, 2, 4));
        Assert.Equal([1, 2, 3], Topology.ReadersOf(TopologyKind.AllToAll, 0, 4));
    }

    [Theory]
    [InlineData(TopologyKind.Ring)]
    [InlineData(TopologyKind.AllToAll)]
    public void SingleGroup_HasNoTeachers(TopologyKind kind) => Assert.Empty(Topology.TeachersOf(kind, 0, 1));

    [Theory]
    [InlineData("pairwise", TopologyKind.Pairwise)]
    [InlineData("Ring", TopologyKind.Ring)]
    [InlineData("all-to-all", TopologyKind.AllToAll)]
    public void Parse_KnownNames(string text, TopologyKind expected) => Assert.Equal(expected, Topology.Parse(text));

    [Fact]
    public void Parse_Unknown_NamesTheValue() =>
        Assert.Contains("'star'", Assert.Throws<ArgumentException>(() => Topology.Parse("star")).Message);
}
