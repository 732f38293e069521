using System.Text;

namespace ActorCodistill.Workers.Data;

/// <summary>
/// Every file matching <see cref="Pattern"/> directly inside a folder is one document, read as
/// UTF-8, in ordinal order of file name so every node sees the same order.
/// </summary>
public sealed class TextFolderCorpus(string path, string pattern = "*.txt") : ITextCorpus
{
    public string Path { get; } = path;

    public string Pattern { get; } = pattern;

    public string Name => $"folder:{Path}";

    public IReadOnlyList<TextDocument> LoadDocuments()
    {
        if (!Directory.Exists(Path))
        {
            throw new DirectoryNotFoundException($"Text corpus folder '{Path}' does not exist.");
        }
        var files = Directory.GetFiles(Path, Pattern, SearchOption.TopDirectoryOnly)
            .OrderBy(f => System.IO.Path.GetFileName(f), StringComparer.Ordinal)
            .ToArray();
        if (files.Length == 0)
        {
            throw new ArgumentException($"data.corpus-path: the text corpus folder '{Path}' has no files matching '{Pattern}'");
        }
        var documents = new List<TextDocument>(files.Length);
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            if (NotText(bytes) is { } why)
            {
                Warn($"warning: skipping {file}: {why}; the corpus reads UTF-8 text files");
                continue;
            }
            var bom = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
            documents.Add(new TextDocument(System.IO.Path.GetFileName(file), Encoding.UTF8.GetString(bytes, bom, bytes.Length - bom)));
        }
        if (documents.Count == 0)
        {
            throw new ArgumentException($"data.corpus-path: none of the {files.Length} files matching '{Pattern}' in '{Path}' is UTF-8 text");
        }
        return documents;
    }

    /// <summary>Where skipped files are reported; standard error unless a host says otherwise.</summary>
    public Action<string> Warn { get; init; } = message => Console.Error.WriteLine(message);

    /// <summary>Why <paramref name="bytes"/> are not a text document (NUL bytes; over 1% invalid UTF-8), or null.</summary>
    public static string? NotText(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IndexOf((byte)0) is var nul and >= 0) return $"it holds a NUL byte (at offset {nul}): a binary file";
        var invalid = 0;
        var rest = bytes;
        Span<char> scratch = stackalloc char[256];
        while (!rest.IsEmpty)
        {
            var status = System.Text.Unicode.Utf8.ToUtf16(rest, scratch, out var read, out _, replaceInvalidSequences: false);
            if (status == System.Buffers.OperationStatus.InvalidData)
            {
                invalid++;
                read++;
            }
            rest = rest[Math.Max(read, 1)..];
            if (status == System.Buffers.OperationStatus.NeedMoreData) break;
        }
        return invalid > Math.Max(1, bytes.Length / 100) ? $"{invalid} invalid UTF-8 sequences in {bytes.Length} bytes" : null;
    }
}
