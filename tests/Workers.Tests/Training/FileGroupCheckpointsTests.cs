using ActorCodistill.Cluster.Persistence;
using ActorCodistill.Workers.Training;

namespace ActorCodistill.Workers.Tests.Training;

[Trait("Category", "Unit")]
public sealed class FileGroupCheckpointsTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "codistill-group-ckpt-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void Save_ThenLoadLatest_GivesTheNewestStateOfThatGroup_AndADamagedNewestFallsBackToTheOlder()
    {
        var store = new FileGroupCheckpoints(_directory);
        float[] Weights(float v) => Enumerable.Range(0, 50).Select(i => v + i).ToArray();
        store.Save(new GroupCheckpoint(0, 10, Weights(1), [1, 2, 3]));
        store.Save(new GroupCheckpoint(0, 20, Weights(2), [4, 5]));
        store.Save(new GroupCheckpoint(1, 30, Weights(3), []));

        var latest = store.LoadLatest(0)!;
        Assert.Equal((0, 20L), (latest.Group, latest.Step));
        Assert.Equal(Weights(2), latest.Parameters);
        Assert.Equal(new byte[] { 4, 5 }, latest.OptimizerState);
        Assert.Empty(store.LoadLatest(1)!.OptimizerState);
        Assert.Null(store.LoadLatest(2));

        var newest = Directory.GetFiles(_directory, "group-0.*.ckpt").OrderBy(f => f, StringComparer.Ordinal).Last();
        var bytes = File.ReadAllBytes(newest);
        bytes[^40] ^= 0xFF;
        File.WriteAllBytes(newest, bytes);
        var skipped = new List<string>();
        var fallback = store.LoadLatest(0, skipped.Add)!;
        Assert.Equal(10, fallback.Step);
        Assert.Equal(new byte[] { 1, 2, 3 }, fallback.OptimizerState);
        Assert.Single(skipped);
    }

    [Fact]
    public void Save_ThenLoadLatest_KeepsEachSlotsRecoveryStateAndTheTeacherCopies_AndAnOlderFileHasNone()
    {
        var store = new FileGroupCheckpoints(_directory);
        var teachers = new TeachersAtStep(new Dictionary<int, TeacherCarry> { [0] = new(12, [0.25f, -1]), [2] = new(8, []) }, Prefetched: true);
        var members = new Dictionary<int, MemberRecovery>
        {
            [2] = new([0.5f, float.NaN, -3], teachers),
            [0] = new([1, 2], TeachersAtStep.None),
            [1] = new(null, null),
        };
        Half[] copy = [(Half)1.5f, (Half)(-2f), Half.NaN];
        store.Save(new GroupCheckpoint(3, 16, [1.5f, 2.5f, 3.5f], [9, 8, 7, 6, 5], members, [new TeacherCheckpoint(0, 12, copy), new TeacherCheckpoint(2, 8, Array.Empty<Half>())]));

        var loaded = store.LoadLatest(3)!;

        Assert.Equal([1.5f, 2.5f, 3.5f], loaded.Parameters);
        Assert.Equal(new byte[] { 9, 8, 7, 6, 5 }, loaded.OptimizerState);
        Assert.Equal([0, 1, 2], loaded.Members!.Keys.Order());
        Assert.Equal(members[2].Carried, loaded.Members[2].Carried);
        Assert.Equal(new[] { 1f, 2f }, loaded.Members[0].Carried);
        Assert.Empty(loaded.Members[0].Teachers!.ByGroup);
        Assert.Equal((null, null), (loaded.Members[1].Carried, loaded.Members[1].Teachers));
        var back = loaded.Members[2].Teachers!;
        Assert.True(back.Prefetched);
        Assert.Equal(12L, back.ByGroup[0].CopyStep);
        Assert.Equal([0.25f, -1], back.ByGroup[0].Carried);
        Assert.Equal((8L, 0), (back.ByGroup[2].CopyStep, back.ByGroup[2].Carried.Length));
        Assert.Equal([(0, 12L), (2, 8L)], loaded.Copies!.Select(c => (c.Group, c.Step)));
        Assert.Equal(copy, loaded.Copies![0].Weights.ToArray());

        store.Save(new GroupCheckpoint(4, 16, [1f], [2]));
        Assert.Null(store.LoadLatest(4)!.Members);
        Assert.Null(store.LoadLatest(4)!.Copies);
    }

    [Theory]
    [InlineData("x", 0)]
    [InlineData("-1", 0)]
    [InlineData("9999", 0)]
    [InlineData("6", 0)]
    [InlineData("6", 7)]
    public void LoadLatest_OfAFileWithBadRecoveryState_SkipsIt_NamingTheFile_AndTakesTheOlderOne(string recoveryBytes, byte version)
    {
        // Two weights, three optimizer bytes, then 6 bytes of recovery state: not a whole one of any version. The
        // checksum holds, so only reading the layout tells; such a file is skipped like a damaged one (it used to throw,
        // which a resuming group did not survive), and IntactSteps leaves it out.
        var store = new FileGroupCheckpoints(_directory);
        store.Save(new GroupCheckpoint(5, 6, [1f, 2f], [3]));
        var payload = new byte[4 * 2 + 3 + 6];
        payload[^6] = version;
        new FileCheckpointStore(_directory).Save("group-5", 12, payload,
            new Dictionary<string, string> { ["parameters"] = "2", ["recovery-bytes"] = recoveryBytes });
        var skipped = new List<string>();

        Assert.Equal(6, store.LoadLatest(5, skipped.Add)!.Step);

        Assert.Contains("group-5.", Assert.Single(skipped));
        var damaged = new List<string>();
        Assert.Equal([6L], store.IntactSteps(5, damaged.Add));
        Assert.Contains("group-5.00000000000000000012.ckpt", Assert.Single(damaged));
    }

    [Fact]
    public void IntactSteps_AreTheStepsWhoseFilesLoad_NewestFirst_AndEachDamagedFileIsReportedOnce()
    {
        var store = new FileGroupCheckpoints(_directory, keep: 4);
        foreach (var step in new long[] { 10, 20, 30, 40 }) store.Save(new GroupCheckpoint(0, step, [step], []));
        var files = Directory.GetFiles(_directory, "group-0.*.ckpt").Order(StringComparer.Ordinal).ToList();
        var flipped = File.ReadAllBytes(files[3]);
        flipped[^33] ^= 0xFF; // the payload's last byte (the SHA-256 follows it)
        File.WriteAllBytes(files[3], flipped);
        File.WriteAllBytes(files[1], File.ReadAllBytes(files[1])[..20]);
        var damaged = new List<string>();

        Assert.Equal([30L, 10], store.IntactSteps(0, damaged.Add));

        Assert.Equal(2, damaged.Count);
        Assert.StartsWith(files[3] + ": ", damaged[0], StringComparison.Ordinal);
        Assert.StartsWith(files[1] + ": ", damaged[1], StringComparison.Ordinal);
        // The step list reads headers only: the flipped file is listed, the truncated one not.
        Assert.Equal([40L, 30, 10], store.Steps(0));
        Assert.Empty(store.IntactSteps(1));
        var memory = new InMemoryGroupCheckpoints();
        memory.Save(new GroupCheckpoint(0, 20, [], []));
        memory.Save(new GroupCheckpoint(0, 30, [], []));
        Assert.Equal([30L, 20], memory.IntactSteps(0));
    }

    [Fact]
    public void Steps_ListsNewestFirst_AndLoadLatestAtMost_TakesTheNewestNotAfterIt_InBothStores()
    {
        foreach (IGroupCheckpoints store in new IGroupCheckpoints[] { new FileGroupCheckpoints(_directory), new InMemoryGroupCheckpoints() })
        {
            foreach (var step in new long[] { 10, 20, 30, 40 }) store.Save(new GroupCheckpoint(0, step, [step], []));

            Assert.Equal([40L, 30, 20], store.Steps(0));
            Assert.Empty(store.Steps(1));
            Assert.Equal(40, store.LoadLatest(0)!.Step);
            Assert.Equal(30, store.LoadLatest(0, atMost: 35)!.Step);
            Assert.Equal([20f], store.LoadLatest(0, atMost: 20)!.Parameters);
            Assert.Null(store.LoadLatest(0, atMost: 15));
        }
    }

    [Fact]
    public void LoadLatest_OfAFileLaidOutByHand_GivesItsWeightsAndOptimizerState()
    {
        // What every version so far writes: float32 weights little-endian, then the optimizer bytes; 'parameters' in the header.
        new FileCheckpointStore(_directory).Save("group-4", 12, [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0, 7, 8, 9],
            new Dictionary<string, string> { ["parameters"] = "2" });

        var loaded = new FileGroupCheckpoints(_directory).LoadLatest(4)!;

        Assert.Equal((4, 12L), (loaded.Group, loaded.Step));
        Assert.Equal([1.0f, -2.0f], loaded.Parameters);
        Assert.Equal(new byte[] { 7, 8, 9 }, loaded.OptimizerState);
    }

    [Fact]
    public void Save_OfASmallStateAfterALargeOne_WritesExactlyItsOwnBytes()
    {
        var store = new FileGroupCheckpoints(_directory);
        store.Save(new GroupCheckpoint(0, 1, new float[3000], new byte[5000]));
        store.Save(new GroupCheckpoint(1, 2, [1.0f, -2.0f], [7, 8, 9]));

        Assert.Equal(11, new FileCheckpointStore(_directory).List("group-1").Single().PayloadLength);
        var loaded = store.LoadLatest(1)!;
        Assert.Equal([1.0f, -2.0f], loaded.Parameters);
        Assert.Equal(new byte[] { 7, 8, 9 }, loaded.OptimizerState);
    }
}
