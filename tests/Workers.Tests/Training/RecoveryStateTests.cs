using ActorCodistill.Workers.Training;

namespace ActorCodistill.Workers.Tests.Training;

[Trait("Category", "Unit")]
public class RecoveryStateTests
{
    private static readonly TeachersAtStep Teachers =
        new(new Dictionary<int, TeacherCarry> { [3] = new(40, [1, 2, 3]), [1] = new(44, []) }, Prefetched: true);

    private static readonly TeacherCheckpoint[] Copies = [new(3, 40, new[] { (Half)0.5f, (Half)7 }), new(1, 44, new[] { Half.NaN })];

    [Fact]
    public void AMembersPart_RoundTrips_WithAndWithoutEachPiece()
    {
        foreach (var (member, copies) in new (MemberRecovery, TeacherCheckpoint[]?)[]
                 {
                     (new([0.5f, -1], Teachers), Copies),
                     (new(null, null), null),
                     (new([], TeachersAtStep.None), []),
                 })
        {
            var (back, backCopies) = RecoveryState.Read(RecoveryState.Write(member, copies), "test");

            Assert.Equal(member.Carried, back.Carried);
            Assert.Equal(member.Teachers?.Prefetched, back.Teachers?.Prefetched);
            Assert.Equal(member.Teachers?.ByGroup.Select(t => (t.Key, t.Value.CopyStep, string.Join(",", t.Value.Carried))).Order(),
                back.Teachers?.ByGroup.Select(t => (t.Key, t.Value.CopyStep, string.Join(",", t.Value.Carried))).Order());
            Assert.Equal(copies?.Select(c => (c.Group, c.Step, string.Join(",", c.Weights.ToArray()))),
                backCopies?.Select(c => (c.Group, c.Step, string.Join(",", c.Weights.ToArray()))));
        }
    }

    [Fact]
    public void EveryTruncation_AndTrailingBytes_AreAFormatErrorNamingTheSource()
    {
        var whole = RecoveryState.WriteGroup(new Dictionary<int, MemberRecovery> { [0] = new([1, 2], Teachers), [1] = new([3], null) }, Copies);
        Assert.Equal(2, RecoveryState.ReadGroup(whole, "ckpt").Members.Count);

        for (var length = 0; length < whole.Length; length++)
        {
            var cut = whole[..length];
            var e = Assert.Throws<FormatException>(() => RecoveryState.ReadGroup(cut, "ckpt-file"));
            Assert.StartsWith("ckpt-file: ", e.Message);
        }
        var longer = whole.Append((byte)0).ToArray();
        Assert.Contains("left over", Assert.Throws<FormatException>(() => RecoveryState.ReadGroup(longer, "ckpt-file")).Message);
    }

    [Fact]
    public void RandomBytes_NeverThrowAnythingButAFormatError()
    {
        var random = new Random(8);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            if (bytes.Length > 0) bytes[0] = 1;
            try
            {
                RecoveryState.ReadGroup(bytes, "noise");
                RecoveryState.Read(bytes, "noise");
            }
            catch (FormatException)
            {
            }
        }
    }
}
