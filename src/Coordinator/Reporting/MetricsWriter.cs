using System.Text;
using System.Text.Json;

namespace ActorCodistill.Coordinator.Reporting;

/// <summary>
/// Appends records to <c>metrics.jsonl</c>, one JSON object per line. Safe to call from several
/// actors at once. Each line is handed to the OS as soon as it is written (no fsync): a run killed
/// with -9 keeps every line it wrote, a machine that loses power may lose the last few.
/// The file is opened for append, so a run resumed after a crash continues the same file;
/// readers let the later record win where a step repeats. A file whose last line was cut short (the power went
/// mid-write) gets its newline first, so the torn line stays one malformed line (reported by the reader) and the
/// first new record is not glued to it.
/// </summary>
public sealed class MetricsWriter : IDisposable
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    private readonly Lock _gate = new();
    private readonly FileStream _stream;
    private bool _disposed;

    private MetricsWriter(string path)
    {
        Path = path;
        _stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 4096);
        if (_stream.Length > 0 && !EndsWithNewLine(path))
        {
            _stream.Write(NewLine);
            _stream.Flush(flushToDisk: false);
        }
    }

    private static bool EndsWithNewLine(string path)
    {
        using var read = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        read.Seek(-1, SeekOrigin.End);
        return read.ReadByte() == '\n';
    }

    /// <summary>Full path of the metrics file being written.</summary>
    public string Path { get; }

    /// <summary>Writes <c>run.json</c> (replacing any earlier one) and opens <c>metrics.jsonl</c> for append.</summary>
    public static MetricsWriter Create(string runDirectory, RunInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        Directory.CreateDirectory(runDirectory);
        WriteRunInfo(runDirectory, info);
        return Open(runDirectory);
    }

    /// <summary>Opens <c>metrics.jsonl</c> for append without touching <c>run.json</c> (a resumed run).</summary>
    public static MetricsWriter Open(string runDirectory)
    {
        Directory.CreateDirectory(runDirectory);
        return new MetricsWriter(System.IO.Path.Combine(runDirectory, RunFiles.Metrics));
    }

    /// <summary>Writes <c>run.json</c> through a temporary file so a reader never sees half of it.</summary>
    public static void WriteRunInfo(string runDirectory, RunInfo info)
    {
        var path = System.IO.Path.Combine(runDirectory, RunFiles.RunJson);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(info, ReportingJson.Document) + "\n", Encoding.UTF8);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Serialises <paramref name="record"/> as one line and flushes it.</summary>
    public void Append(MetricRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        // Serialise outside the lock: only the write itself must not interleave with other threads.
        var json = JsonSerializer.SerializeToUtf8Bytes(record, ReportingJson.Line);
        // Line and newline in one buffer, so they reach the file in one write: a kill between two writes would leave a
        // line without its end.
        var line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _stream.Write(line);
            _stream.Flush(flushToDisk: false);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            _stream.Dispose();
        }
    }
}
