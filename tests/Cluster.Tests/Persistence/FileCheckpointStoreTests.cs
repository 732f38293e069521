using System.Buffers.Binary;
using ActorCodistill.Cluster.Persistence;

namespace ActorCodistill.Cluster.Tests.Persistence;

[Trait("Category", "Unit")]
public sealed class FileCheckpointStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "codistill-ckpt-tests", Guid.NewGuid().ToString("N"));
    private readonly ManualClock _clock = new(T0);
    private readonly List<string> _skipped = [];

    public void Dispose()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }

    private FileCheckpointStore Store(int keep = 3) => new(_directory, keep, _clock);

    private LoadedCheckpoint? Load(FileCheckpointStore store, string key) => store.LoadLatest(key, _skipped.Add);

    private static byte[] Payload(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public void Save_ThenLoadLatest_RoundTripsPayloadStepMetadataAndTime()
    {
        var store = Store();
        var payload = Payload(3 * 1024 * 1024 + 7, seed: 1);
        var metadata = new Dictionary<string, string> { ["optimizer"] = "adam", ["dtype"] = "float32", ["note"] = "π ≈ 3.14" };

        var saved = store.Save("group-0", 500, payload, metadata);
        var loaded = Load(store, "group-0");

        Assert.NotNull(loaded);
        Assert.Equal(payload, loaded.Payload.ToArray());
        Assert.Equal(500, loaded.Info.Step);
        Assert.Equal(payload.Length, loaded.Info.PayloadLength);
        Assert.Equal(T0, loaded.Info.CreatedAt);
        Assert.Equal(metadata.OrderBy(kv => kv.Key), loaded.Info.Metadata.OrderBy(kv => kv.Key));
        Assert.Equal(saved.Path, loaded.Info.Path);
        Assert.Equal(Path.Combine(_directory, "group-0.00000000000000000500.ckpt"), saved.Path);
        Assert.Empty(_skipped);
    }

    [Fact]
    public void Save_EmptyPayloadNoMetadata_FileIsHeaderPlusChecksumAndLoads()
    {
        var store = Store();
        var info = store.Save("k", 0, ReadOnlySpan<byte>.Empty);

        // 44-byte fixed header, no metadata, no payload, 32-byte SHA-256.
        Assert.Equal(44 + 32, new FileInfo(info.Path).Length);
        var loaded = Load(store, "k");
        Assert.NotNull(loaded);
        Assert.Equal(0, loaded.Payload.Length);
        Assert.Empty(loaded.Info.Metadata);
    }

    [Fact]
    public void Save_FileLayout_MatchesDocumentedFormat()
    {
        var info = Store().Save("k", 0x0102030405, new byte[] { 9, 8, 7 }, new Dictionary<string, string> { ["a"] = "bc" });
        var bytes = File.ReadAllBytes(info.Path);

        Assert.Equal("CODICKPT"u8.ToArray(), bytes[..8]);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(44u + 4 + 1 + 4 + 2, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(12)));
        Assert.Equal(0x0102030405L, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(16)));
        Assert.Equal(3L, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(24)));
        Assert.Equal(T0.UtcTicks, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(32)));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(40)));
        Assert.Equal(new byte[] { 9, 8, 7 }, bytes[55..58]);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(bytes.AsSpan(0, 58)), bytes[58..]);
    }

    [Fact]
    public void LoadLatest_NewestTruncated_SkipsItWithReasonAndLoadsOlder()
    {
        var store = Store();
        store.Save("g", 1, Payload(1000, 1));
        var newest = store.Save("g", 2, Payload(1000, 2));
        using (var stream = new FileStream(newest.Path, FileMode.Open))
            stream.SetLength(stream.Length - 100);

        var loaded = Load(store, "g");

        Assert.Equal(1, loaded?.Info.Step);
        Assert.Equal(Payload(1000, 1), loaded!.Payload.ToArray());
        var reason = Assert.Single(_skipped);
        Assert.Contains(newest.Path, reason);
        Assert.Contains("truncated", reason);
    }

    [Fact]
    public void LoadLatest_TruncatedInsideHeader_SkipsIt()
    {
        var store = Store();
        store.Save("g", 1, Payload(10, 1));
        var newest = store.Save("g", 2, Payload(10, 2));
        using (var stream = new FileStream(newest.Path, FileMode.Open))
            stream.SetLength(20);

        Assert.Equal(1, Load(store, "g")?.Info.Step);
        Assert.Contains("truncated", Assert.Single(_skipped));
    }

    [Fact]
    public void LoadLatest_NewestHasFlippedPayloadByte_SkipsItAsChecksumMismatch()
    {
        var store = Store();
        store.Save("g", 1, Payload(4096, 1));
        var newest = store.Save("g", 2, Payload(4096, 2));
        var bytes = File.ReadAllBytes(newest.Path);
        bytes[44 + 2000] ^= 0x10;
        File.WriteAllBytes(newest.Path, bytes);

        Assert.Equal(1, Load(store, "g")?.Info.Step);
        Assert.Contains("SHA-256", Assert.Single(_skipped));
    }

    [Fact]
    public void LoadLatest_NewestHasWrongMagic_SkipsItNamingMagic()
    {
        var store = Store();
        store.Save("g", 1, Payload(64, 1));
        var newest = store.Save("g", 2, Payload(64, 2));
        var bytes = File.ReadAllBytes(newest.Path);
        "NOTCKPT!"u8.CopyTo(bytes);
        File.WriteAllBytes(newest.Path, bytes);

        Assert.Equal(1, Load(store, "g")?.Info.Step);
        Assert.Contains("magic", Assert.Single(_skipped));
    }

    [Fact]
    public void LoadLatest_NewestHasUnknownVersion_SkipsItNamingVersion()
    {
        var store = Store();
        store.Save("g", 1, Payload(64, 1));
        var newest = store.Save("g", 2, Payload(64, 2));
        var bytes = File.ReadAllBytes(newest.Path);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), 7);
        File.WriteAllBytes(newest.Path, bytes);

        Assert.Equal(1, Load(store, "g")?.Info.Step);
        Assert.Contains("version 7", Assert.Single(_skipped));
    }

    [Fact]
    public void LoadLatest_AllCorrupt_ReturnsNullAndReportsEachNewestFirst()
    {
        var store = Store();
        var a = store.Save("g", 1, Payload(64, 1));
        var b = store.Save("g", 2, Payload(64, 2));
        File.WriteAllBytes(a.Path, []);
        File.WriteAllBytes(b.Path, new byte[200]);

        Assert.Null(Load(store, "g"));
        Assert.Equal(2, _skipped.Count);
        Assert.StartsWith(b.Path, _skipped[0]);
        Assert.StartsWith(a.Path, _skipped[1]);
    }

    [Fact]
    public void LoadLatest_FileRenamedToAnotherStep_IsSkipped()
    {
        var store = Store();
        store.Save("g", 1, Payload(64, 1));
        var two = store.Save("g", 2, Payload(64, 2));
        File.Move(two.Path, Path.Combine(_directory, "g.00000000000000000009.ckpt"));

        Assert.Equal(1, Load(store, "g")?.Info.Step);
        Assert.Contains("header says step 2", Assert.Single(_skipped));
    }

    [Fact]
    public void LoadLatest_TempFileLeftByCrashBeforeRename_NeverShowsUp()
    {
        var store = Store();
        store.Save("g", 1, Payload(64, 1));
        // What a crash between write and rename leaves: a complete, valid file, but under the temp name.
        var complete = store.Save("other", 2, Payload(64, 2));
        var temp = Path.Combine(_directory, $".g.00000000000000000002.{Guid.NewGuid():N}.tmp");
        File.Move(complete.Path, temp);

        Assert.Equal(1, Load(store, "g")?.Info.Step);
        Assert.Equal([1L], store.List("g").Select(c => c.Step));
        Assert.Empty(_skipped);

        store.Save("g", 3, Payload(64, 3));
        Assert.False(File.Exists(temp), "the next save of the key cleans up the crashed save's temp file");
    }

    [Fact]
    public void Save_KeepThree_PrunesOlderAndListsNewestFirst()
    {
        var store = Store(keep: 3);
        for (var step = 1; step <= 5; step++)
            store.Save("g", step * 100, Payload(16, step));
        store.Save("h", 1, Payload(16, 9));

        Assert.Equal([500L, 400L, 300L], store.List("g").Select(c => c.Step));
        Assert.Equal(4, Directory.GetFiles(_directory).Length);
        Assert.False(File.Exists(Path.Combine(_directory, "g.00000000000000000200.ckpt")));
        Assert.Equal([1L], store.List("h").Select(c => c.Step));
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
    }

    [Fact]
    public void Save_SameStepTwice_ReplacesIt()
    {
        var store = Store();
        store.Save("g", 7, Payload(16, 1));
        store.Save("g", 7, Payload(16, 2));

        Assert.Single(store.List("g"));
        Assert.Equal(Payload(16, 2), Load(store, "g")!.Payload.ToArray());
    }

    [Fact]
    public void List_KeysSharingAPrefix_AreKeptApart()
    {
        var store = Store();
        store.Save("g", 1, Payload(16, 1));
        store.Save("g.1", 2, Payload(16, 2));
        store.Save("g-1", 3, Payload(16, 3));

        Assert.Equal([1L], store.List("g").Select(c => c.Step));
        Assert.Equal([2L], store.List("g.1").Select(c => c.Step));
        Assert.Equal(Payload(16, 1), Load(store, "g")!.Payload.ToArray());
    }

    [Fact]
    public void LoadLatest_MissingDirectory_ReturnsNull()
    {
        Assert.Null(Load(Store(), "g"));
        Assert.Empty(Store().List("g"));
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("/etc/passwd")]
    [InlineData(".hidden")]
    [InlineData("")]
    [InlineData("a..b")]
    public void Save_KeyWithPathCharacters_ThrowsNamingTheKey(string key)
    {
        var store = Store();

        var ex = Assert.Throws<ArgumentException>(() => store.Save(key, 1, new byte[1]));

        Assert.Contains($"'{key}'", ex.Message);
        Assert.Throws<ArgumentException>(() => store.LoadLatest(key));
        Assert.Throws<ArgumentException>(() => store.List(key));
        Assert.False(Directory.Exists(_directory) && Directory.EnumerateFileSystemEntries(_directory).Any());
    }

    [Fact]
    public void Constructor_KeepZero_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FileCheckpointStore(_directory, keep: 0));
    }

    [Fact]
    public void Save_NegativeStep_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Store().Save("g", -1, new byte[1]));
    }
}
