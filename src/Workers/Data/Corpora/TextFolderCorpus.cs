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
            throw new InvalidOperationException($"Text corpus folder '{Path}' has no files matching '{Pattern}'.");
        }
        return [.. files.Select(f => new TextDocument(System.IO.Path.GetFileName(f), File.ReadAllText(f, Encoding.UTF8)))];
    }
}
