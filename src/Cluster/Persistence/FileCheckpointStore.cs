using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace ActorCodistill.Cluster.Persistence;

/// <summary>One checkpoint on disk (from its header; <see cref="FileCheckpointStore.List"/> does not verify the checksum).</summary>
public sealed record CheckpointInfo(
    string Key,
    long Step,
    string Path,
    long PayloadLength,
    DateTimeOffset CreatedAt,
    IReadOnlyDictionary<string, string> Metadata);

/// <summary>A checkpoint whose length and SHA-256 verified. <see cref="Payload"/> is a slice of the file read into memory.</summary>
public sealed record LoadedCheckpoint(CheckpointInfo Info, ReadOnlyMemory<byte> Payload);

/// <summary>
/// Crash-safe checkpoint files (model weights, optimizer state) in one directory, named
/// <c>{key}.{step:D20}.ckpt</c>. A file appears under its final name only once it is complete and on disk;
/// loads verify length and SHA-256 and fall back to the newest older checkpoint that is intact.
/// </summary>
/// <remarks>
/// Save = write a temp file (<c>.{key}.{step}.{guid}.tmp</c>, hidden from List/Load) in the same directory, fsync
/// it, rename it over the final name (atomic on one file system), fsync the directory on Linux/macOS so the rename
/// itself survives a power cut, then delete all but the newest <c>keep</c> checkpoints of the key and any temp
/// files a crashed earlier save of the key left behind. One writer per key: saves of a key are serialised inside
/// this store instance; two processes saving the same key in one directory are not supported.
/// SHA-256 (not <c>Remote.BulkChecksum</c>): it runs at well over 1 GB/s with the CPU's SHA extensions, so tens of MB
/// cost tens of ms next to the disk write, and unlike a Fletcher sum it cannot be fooled by structured damage such as
/// a block of zeros or swapped blocks.
/// </remarks>
public sealed partial class FileCheckpointStore
{
    private const string Extension = ".ckpt";
    private const int StepDigits = 20;

    private readonly ConcurrentDictionary<string, object> _keyLocks = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;

    /// <param name="directory">Created on first save.</param>
    /// <param name="keep">Checkpoints kept per key after each save; at least 1 (2+ leaves a fallback if the newest is damaged).</param>
    public FileCheckpointStore(string directory, int keep = 3, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (keep < 1)
            throw new ArgumentOutOfRangeException(nameof(keep), keep, $"checkpoints to keep must be at least 1 (directory '{directory}')");
        Directory = System.IO.Path.GetFullPath(directory);
        Keep = keep;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    public string Directory { get; }

    public int Keep { get; }

    /// <summary>Writes a checkpoint atomically (replacing one at the same step), then prunes to the newest <see cref="Keep"/>.</summary>
    /// <exception cref="ArgumentException">Invalid key (the message names it) or oversize metadata.</exception>
    /// <exception cref="IOException">The write failed; the message names the file. No file appears under the final name.</exception>
    public CheckpointInfo Save(string key, long step, ReadOnlySpan<byte> payload, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ValidateKey(key);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        var created = _timeProvider.GetUtcNow();
        var header = CheckpointFile.WriteHeader(step, payload.Length, created, metadata);
        var finalPath = FinalPath(key, step);
        lock (_keyLocks.GetOrAdd(key, _ => new object()))
        {
            System.IO.Directory.CreateDirectory(Directory);
            var tempPath = System.IO.Path.Combine(Directory, $".{key}.{step.ToString($"D{StepDigits}", CultureInfo.InvariantCulture)}.{Guid.NewGuid():N}.tmp");
            try
            {
                using (var stream = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1))
                {
                    using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    hash.AppendData(header);
                    hash.AppendData(payload);
                    stream.Write(header);
                    stream.Write(payload);
                    stream.Write(hash.GetHashAndReset());
                    stream.Flush(flushToDisk: true);
                }
                File.Move(tempPath, finalPath, overwrite: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                TryDelete(tempPath);
                throw new IOException($"cannot save checkpoint '{key}' step {step} to '{finalPath}': {ex.Message}", ex);
            }
            SyncDirectory(Directory);
            Prune(key);
        }
        var info = new CheckpointInfo(key, step, finalPath, payload.Length, new DateTimeOffset(created.UtcTicks, TimeSpan.Zero),
            new Dictionary<string, string>(metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal));
        return info;
    }

    /// <summary>
    /// The newest checkpoint of <paramref name="key"/> that verifies (of a step at most <paramref name="atMost"/> when
    /// given), or null. Each newer one that does not (truncated, wrong magic or version, checksum mismatch, unreadable)
    /// is skipped and reported to <paramref name="onSkipped"/> as "path: reason" (default: a line on stderr).
    /// </summary>
    public LoadedCheckpoint? LoadLatest(string key, Action<string>? onSkipped = null, long? atMost = null)
    {
        ValidateKey(key);
        onSkipped ??= reason => Console.Error.WriteLine("checkpoint skipped: " + reason);
        foreach (var (step, path) in Candidates(key))
        {
            if (step > atMost) continue;
            var (loaded, problem) = TryLoad(key, step, path);
            if (loaded is not null)
                return loaded;
            onSkipped($"{path}: {problem}");
        }
        return null;
    }

    /// <summary>Checkpoints of <paramref name="key"/>, newest step first, from their headers (no checksum pass); files whose header is unreadable are left out.</summary>
    public IReadOnlyList<CheckpointInfo> List(string key)
    {
        ValidateKey(key);
        var result = new List<CheckpointInfo>();
        foreach (var (step, path) in Candidates(key))
        {
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                var fixedPart = new byte[CheckpointFile.FixedHeaderLength];
                var read = stream.ReadAtLeast(fixedPart, fixedPart.Length, throwOnEndOfStream: false);
                var headerLength = read == fixedPart.Length ? BinaryPrimitives.ReadUInt32LittleEndian(fixedPart.AsSpan(12)) : 0u;
                var header = fixedPart.AsSpan(0, read).ToArray();
                if (headerLength is > CheckpointFile.FixedHeaderLength and <= CheckpointFile.MaxHeaderLength)
                {
                    header = new byte[headerLength];
                    stream.Position = 0;
                    read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
                    header = header.AsSpan(0, read).ToArray();
                }
                var (parsed, _) = CheckpointFile.ReadHeader(header, stream.Length);
                if (parsed is not null && parsed.Step == step)
                    result.Add(ToInfo(key, path, parsed));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Deleted by a concurrent prune or unreadable: not a checkpoint anyone can load.
            }
        }
        return result;
    }

    private (LoadedCheckpoint?, string?) TryLoad(string key, long step, string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, $"unreadable: {ex.Message}");
        }
        var (header, problem) = CheckpointFile.ReadHeader(bytes, bytes.Length);
        if (header is null)
            return (null, problem);
        problem = CheckpointFile.VerifyChecksum(bytes);
        if (problem is not null)
            return (null, problem);
        if (header.Step != step)
            return (null, $"the header says step {header.Step} but the file name says {step} (renamed by hand?)");
        var payload = new ReadOnlyMemory<byte>(bytes, header.Length, (int)header.PayloadLength);
        return (new LoadedCheckpoint(ToInfo(key, path, header), payload), null);
    }

    private static CheckpointInfo ToInfo(string key, string path, CheckpointFile.Header header) =>
        new(key, header.Step, path, header.PayloadLength, header.Created, header.Metadata);

    /// <summary>Final-named files of the key, newest step first. Temp files never match.</summary>
    private List<(long Step, string Path)> Candidates(string key)
    {
        if (!System.IO.Directory.Exists(Directory))
            return [];
        var prefix = key + ".";
        var found = new List<(long, string)>();
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, prefix + "*" + Extension))
        {
            var name = System.IO.Path.GetFileName(path);
            var middle = name.AsSpan(prefix.Length, name.Length - prefix.Length - Extension.Length);
            if (middle.Length == StepDigits && long.TryParse(middle, NumberStyles.None, CultureInfo.InvariantCulture, out var step))
                found.Add((step, path));
        }
        found.Sort((a, b) => b.Item1.CompareTo(a.Item1));
        return found;
    }

    private void Prune(string key)
    {
        // Failures here leave extra files, never lose a checkpoint; the next save of the key tries again.
        foreach (var (_, path) in Candidates(key).Skip(Keep))
            TryDelete(path);
        var tempPattern = TempName(key);
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "." + key + ".*.tmp"))
        {
            if (tempPattern.IsMatch(System.IO.Path.GetFileName(path)))
                TryDelete(path);
        }
    }

    private static Regex TempName(string key) =>
        new($"^\\.{Regex.Escape(key)}\\.[0-9]{{{StepDigits}}}\\.[0-9a-f]{{32}}\\.tmp$", RegexOptions.CultureInvariant);

    private string FinalPath(string key, long step) =>
        System.IO.Path.Combine(Directory, $"{key}.{step.ToString($"D{StepDigits}", CultureInfo.InvariantCulture)}{Extension}");

    private void ValidateKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!KeyPattern().IsMatch(key) || key.Contains("..", StringComparison.Ordinal))
            throw new ArgumentException(
                $"checkpoint key '{key}' is not allowed: use 1-128 letters, digits, '-', '_' or '.', starting with a letter " +
                $"or digit and without '..' (the key becomes a file name in '{Directory}')", nameof(key));
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: see Prune.
        }
    }

    /// <summary>
    /// fsync on the directory makes the rename durable. .NET cannot open a directory as a FileStream, hence libc;
    /// Windows has no equivalent (and NTFS journals the rename), so nothing is done there.
    /// </summary>
    private static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            return;
        var fd = NativeDirectory.open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
            throw new IOException($"cannot open checkpoint directory '{directory}' to fsync it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (NativeDirectory.fsync(fd) != 0)
                throw new IOException($"fsync of checkpoint directory '{directory}' failed (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            _ = NativeDirectory.close(fd);
        }
    }

    // DllImport rather than LibraryImport: the generator needs AllowUnsafeBlocks, which this project does not set,
    // and three plain int calls need no custom marshalling.
    private static class NativeDirectory
    {
        [DllImport("libc", SetLastError = true)]
        internal static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", SetLastError = true)]
        internal static extern int fsync(int fd);

        [DllImport("libc", SetLastError = true)]
        internal static extern int close(int fd);
    }
}
