using System.IO.Compression;
using ActorCodistill.Workers.Data;

namespace ActorCodistill.Workers.Tests.Data.Images;

[Trait("Category", "Unit")]
public sealed class IdxReaderTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private static byte[] Idx(byte type, int[] dims, byte[] data)
    {
        var header = new List<byte> { 0, 0, type, (byte)dims.Length };
        foreach (var d in dims)
        {
            header.AddRange([(byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d]);
        }
        return [.. header, .. data];
    }

    private string Write(string name, byte[] bytes, bool gzip = false)
    {
        var path = _dir.File(name);
        if (gzip)
        {
            using var f = File.Create(path);
            using var gz = new GZipStream(f, CompressionLevel.Fastest);
            gz.Write(bytes);
        }
        else
        {
            File.WriteAllBytes(path, bytes);
        }
        return path;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadImages_SmallFiles_ScaledPixelsAndLabels(bool gzip)
    {
        var images = Write("img", Idx(8, [2, 2, 3], [0, 255, 51, 102, 0, 0, 1, 2, 3, 4, 5, 255]), gzip);
        var labels = Write("lbl", Idx(8, [2], [7, 3]), gzip);

        var data = IdxReader.ReadImages(images, labels);

        Assert.Equal((2, 1, 2, 3), (data.Count, data.Channels, data.Height, data.Width));
        Assert.Equal([0f, 1f, 0.2f, 0.4f, 0f, 0f], data.Image(0).ToArray());
        Assert.Equal(5f / 255f, data.Images[10]);
        Assert.Equal([7L, 3L], data.Labels);
    }

    [Fact]
    public void Read_BadMagic_NamesFile()
    {
        var path = Write("bad-magic", [0x12, 0x34, 8, 1, 0, 0, 0, 1, 9]);

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("magic", e.Message);
        Assert.Contains("0x12340801", e.Message);
    }

    [Fact]
    public void Read_UnsupportedType_NamesType()
    {
        var path = Write("floats", Idx(0x0D, [1], [0, 0, 0, 0]));

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));

        Assert.Contains("0x0D", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_TruncatedData_SaysHowManyBytesMissing(bool gzip)
    {
        var path = Write("short", Idx(8, [3, 2, 2], new byte[10]), gzip);

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("need 12 data bytes, file has 10", e.Message);
    }

    [Fact]
    public void Read_TruncatedHeader_NamesFile()
    {
        var path = Write("header", [0, 0, 8, 3, 0, 0, 0, 1]);

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("truncated IDX header", e.Message);
    }

    [Fact]
    public void ReadImages_CountMismatch_NamesBothFiles()
    {
        var images = Write("img", Idx(8, [2, 1, 1], [1, 2]));
        var labels = Write("lbl", Idx(8, [3], [0, 1, 2]));

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(images, labels));

        Assert.Contains(images, e.Message);
        Assert.Contains(labels, e.Message);
        Assert.Contains("2 images", e.Message);
        Assert.Contains("3 labels", e.Message);
    }

    [Fact]
    public void FashionMnist_InstalledTrainSet_SixtyThousandBalancedImages()
    {
        var train = IdxReader.FashionMnist.Train();

        Assert.Equal((60000, 1, 28, 28), (train.Count, train.Channels, train.Height, train.Width));
        Assert.Equal(60000 * 784, train.Images.Length);
        // Plain loops: xunit's per-item assertions over 47 million pixels would dominate the suite's time.
        var perClass = new int[10];
        foreach (var l in train.Labels)
        {
            Assert.InRange(l, 0L, 9L);
            perClass[l]++;
        }
        // Fashion-MNIST's training set has exactly 6000 images per class.
        Assert.All(perClass, c => Assert.Equal(6000, c));
        float min = float.MaxValue, max = float.MinValue;
        foreach (var p in train.Images)
        {
            min = Math.Min(min, p);
            max = Math.Max(max, p);
        }
        Assert.Equal((0f, 1f), (min, max));
    }

    [Fact]
    public void FashionMnist_InstalledTestSet_TenThousandImages()
    {
        var test = IdxReader.FashionMnist.Test();

        Assert.Equal(10000, test.Count);
        Assert.Equal(10000, test.Labels.Length);
    }
}
