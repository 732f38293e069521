using System.Buffers.Binary;
using System.IO.Compression;

namespace ActorCodistill.Workers.Data;

/// <summary>An IDX array of unsigned bytes: dimensions (outermost first) and the raw data.</summary>
public sealed record IdxArray(string Path, IReadOnlyList<int> Dimensions, byte[] Data)
{
    public int Count => Dimensions[0];
}

/// <summary>Images as float [Count, Channels, Height, Width] scaled to [0, 1], labels as int64.</summary>
public sealed record ImageDataset(float[] Images, long[] Labels, int Count, int Channels, int Height, int Width)
{
    public int ImageSize => Channels * Height * Width;

    public ReadOnlySpan<float> Image(int index) => Images.AsSpan(index * ImageSize, ImageSize);
}

/// <summary>
/// Reads the IDX format of MNIST and Fashion-MNIST, raw or gzipped (detected by the gzip magic
/// 1f 8b, not the file name). Layout: magic 0x00 0x00, a type byte, a dimension count byte, one
/// big-endian int32 per dimension, then the data. Only type 0x08 (unsigned byte) is supported,
/// which is what both data sets use.
/// </summary>
public static class IdxReader
{
    public const byte UnsignedByteType = 0x08;

    public static IdxArray Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"IDX file '{path}' does not exist.", path);
        }
        byte[] bytes;
        try
        {
            bytes = ReadMaybeGzip(path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: gzip stream is corrupt or truncated ({e.Message}).", e);
        }
        return Parse(bytes, path);
    }

    public static IdxArray Parse(ReadOnlySpan<byte> bytes, string path)
    {
        if (bytes.Length < 4)
        {
            throw new InvalidDataException($"{path}: truncated IDX file, {bytes.Length} bytes is shorter than the 4-byte magic number.");
        }
        if (bytes[0] != 0 || bytes[1] != 0)
        {
            throw new InvalidDataException(
                $"{path}: bad IDX magic number 0x{BinaryPrimitives.ReadUInt32BigEndian(bytes):X8}; expected 0x0000TTDD (TT = type, DD = dimensions).");
        }
        if (bytes[2] != UnsignedByteType)
        {
            throw new InvalidDataException($"{path}: IDX data type 0x{bytes[2]:X2} is not supported; only 0x08 (unsigned byte).");
        }
        int rank = bytes[3];
        if (rank == 0)
        {
            throw new InvalidDataException($"{path}: IDX file declares 0 dimensions.");
        }
        var headerLength = 4 + 4 * rank;
        if (bytes.Length < headerLength)
        {
            throw new InvalidDataException($"{path}: truncated IDX header, {rank} dimensions need {headerLength} bytes, file has {bytes.Length}.");
        }
        var dims = new int[rank];
        long expected = 1;
        for (var i = 0; i < rank; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(bytes[(4 + 4 * i)..]);
            if (dims[i] < 0)
            {
                throw new InvalidDataException($"{path}: IDX dimension {i} is negative ({dims[i]}).");
            }
            expected *= dims[i];
            if (expected > Array.MaxLength)
            {
                throw new InvalidDataException($"{path}: IDX dimensions [{string.Join(", ", dims[..(i + 1)])}] are too large.");
            }
        }
        var actual = bytes.Length - headerLength;
        if (actual < expected)
        {
            throw new InvalidDataException(
                $"{path}: truncated IDX file, dimensions [{string.Join(", ", dims)}] need {expected} data bytes, file has {actual}.");
        }
        if (actual > expected)
        {
            throw new InvalidDataException(
                $"{path}: IDX file has {actual - expected} bytes after the {expected} data bytes of dimensions [{string.Join(", ", dims)}].");
        }
        return new IdxArray(path, dims, bytes[headerLength..].ToArray());
    }

    /// <summary>
    /// Loads an image file ([N, H, W]) and a label file ([N]) as one data set; pixel p becomes
    /// p / 255f, with 1 channel.
    /// </summary>
    public static ImageDataset ReadImages(string imagesPath, string labelsPath)
    {
        var images = Read(imagesPath);
        var labels = Read(labelsPath);
        if (images.Dimensions.Count != 3)
        {
            throw new InvalidDataException($"{imagesPath}: expected 3 dimensions [count, height, width], found [{string.Join(", ", images.Dimensions)}].");
        }
        if (labels.Dimensions.Count != 1)
        {
            throw new InvalidDataException($"{labelsPath}: expected 1 dimension [count], found [{string.Join(", ", labels.Dimensions)}].");
        }
        if (images.Count != labels.Count)
        {
            throw new InvalidDataException(
                $"Image/label count mismatch: {imagesPath} has {images.Count} images, {labelsPath} has {labels.Count} labels.");
        }
        var pixels = new float[images.Data.Length];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = images.Data[i] / 255f;
        }
        var labelValues = Array.ConvertAll(labels.Data, b => (long)b);
        return new ImageDataset(pixels, labelValues, images.Count, 1, images.Dimensions[1], images.Dimensions[2]);
    }

    /// <summary>The Fashion-MNIST files of the Debian package dataset-fashion-mnist.</summary>
    public static class FashionMnist
    {
        public const string DefaultFolder = "/usr/share/datasets/fashion-mnist";

        public static ImageDataset Train(string folder = DefaultFolder) => Load(folder, "train");

        public static ImageDataset Test(string folder = DefaultFolder) => Load(folder, "t10k");

        private static ImageDataset Load(string folder, string prefix)
        {
            var images = Path.Combine(folder, $"{prefix}-images-idx3-ubyte.gz");
            if (!File.Exists(images))
            {
                throw new FileNotFoundException(
                    $"Fashion-MNIST file '{images}' does not exist; install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist).", images);
            }
            return ReadImages(images, Path.Combine(folder, $"{prefix}-labels-idx1-ubyte.gz"));
        }
    }

    private static byte[] ReadMaybeGzip(string path)
    {
        var raw = File.ReadAllBytes(path);
        if (raw.Length < 2 || raw[0] != 0x1F || raw[1] != 0x8B)
        {
            return raw;
        }
        using var gz = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
        using var output = new MemoryStream(raw.Length * 4);
        gz.CopyTo(output);
        return output.ToArray();
    }
}
