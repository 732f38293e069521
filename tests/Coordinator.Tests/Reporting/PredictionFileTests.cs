using System.Buffers.Binary;
using System.Text;
using ActorCodistill.Coordinator.Reporting;

namespace ActorCodistill.Coordinator.Tests.Reporting;

[Trait("Category", "Unit")]
public sealed class PredictionFileTests
{
    private static PredictionSet ThreeClassifications() =>
        PredictionSet.Classification([3, 0, 7], [0.25f, 0.5f, 1f]);

    [Fact]
    public void WriteThenRead_Classification_RoundTrip()
    {
        using var dir = new TempDirectory();
        var path = dir.File("predictions-g0.bin");

        PredictionFile.Write(path, ThreeClassifications());
        var read = PredictionFile.Read(path);

        Assert.Equal(PredictionKind.Classification, read.Kind);
        Assert.Equal([3, 0, 7], read.Top1.ToArray());
        Assert.Equal([0.25f, 0.5f, 1f], read.Probabilities.ToArray());
        Assert.Equal(path, read.Source);
    }

    [Fact]
    public void WriteThenRead_Binary_RoundTrip()
    {
        using var dir = new TempDirectory();
        var path = dir.File("p.bin");

        PredictionFile.Write(path, PredictionSet.Binary([0.1f, 0.9f]));
        var read = PredictionFile.Read(path);

        Assert.Equal(PredictionKind.Binary, read.Kind);
        Assert.True(read.Top1.IsEmpty);
        Assert.Equal([0.1f, 0.9f], read.Probabilities.ToArray());
    }

    [Fact]
    public void Write_Classification_DocumentedLittleEndianLayout()
    {
        using var dir = new TempDirectory();
        var path = dir.File("p.bin");

        PredictionFile.Write(path, ThreeClassifications());
        var bytes = File.ReadAllBytes(path);

        Assert.Equal(20 + 3 * 4 * 2, bytes.Length);
        Assert.Equal("CDPRED01", Encoding.ASCII.GetString(bytes, 0, 8));
        Assert.Equal(0, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(3, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(12)));
        Assert.Equal(7, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(20 + 8)));
        Assert.Equal(0.25f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(32)));
    }

    [Fact]
    public void Read_BadMagic_ErrorNamesTheFile()
    {
        using var dir = new TempDirectory();
        var path = dir.File("not-predictions.bin");
        PredictionFile.Write(path, ThreeClassifications());
        var bytes = File.ReadAllBytes(path);
        "CDPRED02"u8.CopyTo(bytes);
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<InvalidDataException>(() => PredictionFile.Read(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("bad magic 'CDPRED02'", error.Message);
    }

    [Fact]
    public void Read_TruncatedBody_ErrorNamesTheFile()
    {
        using var dir = new TempDirectory();
        var path = dir.File("predictions-g1.bin");
        PredictionFile.Write(path, ThreeClassifications());
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^3]);

        var error = Assert.Throws<InvalidDataException>(() => PredictionFile.Read(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Read_TruncatedHeader_ErrorNamesTheFile()
    {
        using var dir = new TempDirectory();
        var path = dir.File("short.bin");
        File.WriteAllBytes(path, "CDPRED01\0\0"u8.ToArray());

        var error = Assert.Throws<InvalidDataException>(() => PredictionFile.Read(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Read_HugeCountInHeader_ReportedAsTruncatedWithoutAllocating()
    {
        using var dir = new TempDirectory();
        var path = dir.File("huge.bin");
        var bytes = new byte[PredictionFile.HeaderLength + 8];
        "CDPRED01"u8.CopyTo(bytes);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), 1);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(12), long.MaxValue);
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<InvalidDataException>(() => PredictionFile.Read(path));

        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Read_TrailingBytes_ErrorNamesTheFile()
    {
        using var dir = new TempDirectory();
        var path = dir.File("long.bin");
        PredictionFile.Write(path, PredictionSet.Binary([0.5f]));
        File.AppendAllText(path, "xy");

        var error = Assert.Throws<InvalidDataException>(() => PredictionFile.Read(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("2 trailing bytes", error.Message);
    }

    [Fact]
    public void Read_UnknownKind_ErrorNamesTheFile()
    {
        using var dir = new TempDirectory();
        var path = dir.File("kind.bin");
        PredictionFile.Write(path, PredictionSet.Binary([0.5f]));
        var bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), 7);
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<InvalidDataException>(() => PredictionFile.Read(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("unknown kind 7", error.Message);
    }

    [Fact]
    public void Read_ProbabilityOutsideUnitInterval_ErrorNamesFileAndExample()
    {
        using var dir = new TempDirectory();
        var path = dir.File("prob.bin");
        PredictionFile.Write(path, PredictionSet.Binary([0.5f, 0.5f]));
        var bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(24), 1.5f);
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<InvalidDataException>(() => PredictionFile.Read(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("at example 1", error.Message);
    }

    [Fact]
    public void Read_MissingFile_ErrorNamesTheFile()
    {
        using var dir = new TempDirectory();
        var path = dir.File("predictions-g9.bin");

        var error = Assert.Throws<FileNotFoundException>(() => PredictionFile.Read(path));

        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Classification_LengthsDiffer_Throws()
    {
        Assert.Throws<ArgumentException>(() => PredictionSet.Classification([1, 2], [0.5f]));
    }

    [Fact]
    public void Binary_NaNProbability_Throws()
    {
        Assert.Throws<ArgumentException>(() => PredictionSet.Binary([float.NaN]));
    }
}
