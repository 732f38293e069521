using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using static TorchSharp.torch;

namespace ActorCodistill.Workers.Tests.Reference;

/// <summary>
/// Reads a reference dump written by Fixtures/make_*.py (PyTorch): u64 header length, JSON header
/// {"tensors": [{name, dtype f32|i64, shape, offset}]}, then raw little-endian data.
/// </summary>
internal sealed class Fixture
{
    private readonly byte[] _data;
    private readonly Dictionary<string, (string dtype, long[] shape, int offset)> _entries = new();

    private Fixture(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var headerLength = checked((int)BitConverter.ToUInt64(bytes, 0));
        using var doc = JsonDocument.Parse(bytes.AsMemory(8, headerLength));
        foreach (var t in doc.RootElement.GetProperty("tensors").EnumerateArray())
            _entries[t.GetProperty("name").GetString()!] = (t.GetProperty("dtype").GetString()!,
                t.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray(), t.GetProperty("offset").GetInt32());
        _data = bytes[(8 + headerLength)..];
        Path = path;
    }

    public string Path { get; }

    public IEnumerable<string> Names => _entries.Keys;

    /// <summary>Fixtures are read from the source tree (beside their generator script), found via this file's path.</summary>
    public static Fixture Load(string fileName, [CallerFilePath] string callerPath = "")
    {
        var candidates = new[]
        {
            System.IO.Path.Combine(System.IO.Path.GetDirectoryName(callerPath) ?? ".", "Fixtures", fileName),
            System.IO.Path.Combine(AppContext.BaseDirectory, "Reference", "Fixtures", fileName),
        };
        var path = candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"reference fixture {fileName} not found (looked in {string.Join(", ", candidates)})");
        return new Fixture(path);
    }

    public long[] Shape(string name) => Entry(name).shape;

    public Tensor Tensor(string name)
    {
        var (dtype, shape, offset) = Entry(name);
        var count = (int)shape.Aggregate(1L, (a, b) => a * b);
        return dtype switch
        {
            "f32" => tensor(MemoryMarshal.Cast<byte, float>(_data.AsSpan(offset, count * 4)).ToArray(), shape),
            "i64" => tensor(MemoryMarshal.Cast<byte, long>(_data.AsSpan(offset, count * 8)).ToArray(), shape),
            _ => throw new InvalidDataException($"{Path}: tensor '{name}' has unknown dtype '{dtype}'"),
        };
    }

    private (string dtype, long[] shape, int offset) Entry(string name)
        => _entries.TryGetValue(name, out var e) ? e : throw new KeyNotFoundException($"{Path}: no tensor named '{name}'");

    public static double[] D(Tensor t)
    {
        using var c = t.detach().to(ScalarType.Float64);
        return c.data<double>().ToArray();
    }

    public static void AssertClose(double[] expected, double[] actual, double rtol, double atol, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
        for (var i = 0; i < expected.Length; i++)
        {
            var tol = atol + rtol * Math.Abs(expected[i]);
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol,
                $"{what}[{i}]: got {actual[i]:R}, expected {expected[i]:R} (tolerance {tol:G3})");
        }
    }
}
