using ActorCodistill.Workers.Data;

namespace ActorCodistill.Workers.Tests.Data.Ctr;

[Trait("Category", "Unit")]
public sealed class CriteoReaderTests
{
    private static string Line(string label = "1", string[]? dense = null, string[]? cats = null) =>
        string.Join('\t', [label, .. dense ?? Enumerable.Repeat("1", 13), .. cats ?? Enumerable.Repeat("68fd1e64", 26)]);

    [Fact]
    public void Fnv1a64_ReferenceVectors()
    {
        Assert.Equal(0xCBF29CE484222325UL, Fnv1a64.Hash(""u8));
        Assert.Equal(0xAF63DC4C8601EC8CUL, Fnv1a64.Hash("a"u8));
        Assert.Equal(0x85944171F73967E8UL, Fnv1a64.Hash("foobar"u8));
    }

    [Fact]
    public void ParseLine_GoodLine_HandComputedFeatures()
    {
        string[] dense = ["0", "-1", "1", "", "9", "1", "1", "1", "1", "1", "1", "1", "123456"];
        string[] cats = [.. Enumerable.Repeat("68fd1e64", 25), ""];

        var e = CriteoReader.ParseLine(Line("1", dense, cats), 1000, out var reason);

        Assert.Null(reason);
        Assert.NotNull(e);
        Assert.Equal(1f, e.Label);
        Assert.Equal(0f, e.Dense[0]);
        Assert.Equal(0f, e.Dense[1]);
        Assert.Equal((float)Math.Log(2), e.Dense[2]);
        Assert.Equal(0f, e.Dense[3]);
        Assert.Equal((float)Math.Log(10), e.Dense[4]);
        Assert.Equal((float)Math.Log(123457), e.Dense[12]);
        // Field 0, value "68fd1e64": FNV-1a over [0x00, '6', '8', ...], mod 999, + 1.
        var expected = 1 + (int)(Fnv1a64.Hash([0, .. "68fd1e64"u8]) % 999);
        Assert.Equal(expected, e.HashedCategorical[0]);
        Assert.Equal(CtrExample.MissingBucket, e.HashedCategorical[25]);
        Assert.NotEqual(e.HashedCategorical[0], e.HashedCategorical[1]);
    }

    [Fact]
    public void Bucket_HexCase_Ignored()
    {
        Assert.Equal(CriteoReader.Bucket(3, "ABCDEF12", 1 << 20), CriteoReader.Bucket(3, "abcdef12", 1 << 20));
        Assert.InRange(CriteoReader.Bucket(3, "abcdef12", 7), 1, 6);
    }

    [Fact]
    public void Read_MalformedLines_CountedWithLineNumbersAndReasons()
    {
        string[] badDense = [.. Enumerable.Repeat("1", 12), "1.5"];
        string[] badCat = [.. Enumerable.Repeat("ab", 4), "zz", .. Enumerable.Repeat("ab", 21)];
        var text = string.Join('\n',
            Line("0"),
            Line("1") + "\textra",
            Line("1"),
            Line("2"),
            Line("0", badDense),
            Line("1", cats: badCat),
            Line("0") + "\r",
            "",
            Line("1") + "\n");

        var result = CriteoReader.Read(new StringReader(text), "day_0.tsv");
        var report = result.Report;

        Assert.Equal(4, result.Examples.Count);
        Assert.Equal([0f, 1f, 0f, 1f], result.Examples.Select(e => e.Label));
        Assert.Equal((9L, 4L, 5L), (report.LinesRead, report.Examples, report.Malformed));
        Assert.Equal([2L, 4L, 5L, 6L, 8L], report.FirstErrors.Select(e => e.LineNumber));
        Assert.Contains("expected 40 tab-separated fields, found 41", report.FirstErrors[0].Reason);
        Assert.Contains("label '2'", report.FirstErrors[1].Reason);
        Assert.Contains("I13 '1.5'", report.FirstErrors[2].Reason);
        Assert.Contains("C5 'zz'", report.FirstErrors[3].Reason);
        Assert.Contains("found 1", report.FirstErrors[4].Reason);
        Assert.Contains("day_0.tsv", report.ToString());
    }

    [Fact]
    public void Read_MaxReportedErrors_CountsAllListsFirst()
    {
        var text = string.Join('\n', Enumerable.Repeat("garbage", 10));

        var report = CriteoReader.Read(new StringReader(text), "x", new CriteoReaderOptions { MaxReportedErrors = 3 }).Report;

        Assert.Equal(10, report.Malformed);
        Assert.Equal([1L, 2L, 3L], report.FirstErrors.Select(e => e.LineNumber));
    }

    [Fact]
    public void Read_Strict_ThrowsNamingFileAndLine()
    {
        var text = string.Join('\n', Line("0"), Line("0"), Line("x"));

        var e = Assert.Throws<InvalidDataException>(
            () => CriteoReader.Read(new StringReader(text), "train.txt", new CriteoReaderOptions { Strict = true }));

        Assert.StartsWith("train.txt:3: label 'x'", e.Message);
    }

    [Fact]
    public void Read_Limit_StopsAfterThatManyExamples()
    {
        var text = string.Join('\n', Enumerable.Repeat(Line("1"), 10));

        var result = CriteoReader.Read(new StringReader(text), "x", new CriteoReaderOptions { Limit = 4 });

        Assert.Equal(4, result.Examples.Count);
    }

    [Fact]
    public void ReadFile_Missing_NamesFile()
    {
        var e = Assert.Throws<FileNotFoundException>(() => CriteoReader.ReadFile("/no/criteo.tsv"));
        Assert.Contains("/no/criteo.tsv", e.Message);
    }
}
