using ActorCodistill.Workers.Data;

namespace ActorCodistill.Workers.Training.Tasks;

/// <summary>The text corpora a language-model task reads (<c>data.corpus</c>) and their cached BPE tokenizers.</summary>
public static class LmCorpora
{
    public static ITextCorpus Load(DataSpec data) => data.Corpus.Trim().ToLowerInvariant() switch
    {
        "kjv" => string.IsNullOrWhiteSpace(data.KjvCommand)
            ? new KjvCorpus()
            : new KjvCorpus(data.KjvCommand.Split(' ', 2)[0], SplitArguments(data.KjvCommand)),
        "folder" => new TextFolderCorpus(data.CorpusPath),
        _ => throw new ArgumentException($"data.corpus: unknown corpus '{data.Corpus}' (expected kjv or folder)"),
    };

    private static IReadOnlyList<string> SplitArguments(string commandLine)
    {
        // "bible -f Gen1:1-Rev22:21" -> ["-f", "Gen1:1-Rev22:21"]; quotes group words.
        var parts = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        foreach (var ch in commandLine.Trim())
        {
            if (ch == '"') { quoted = !quoted; continue; }
            if (ch == ' ' && !quoted)
            {
                if (current.Length > 0) { parts.Add(current.ToString()); current.Clear(); }
                continue;
            }
            current.Append(ch);
        }
        if (current.Length > 0) parts.Add(current.ToString());
        return parts.Skip(1).ToArray();
    }

    /// <summary>The tokenizer at <c>data.tokenizer.path</c>, or one trained on the corpus and cached per corpus and size.</summary>
    public static BpeTokenizer LoadOrTrainTokenizer(DataSpec data, string corpusName, IReadOnlyList<TextDocument> documents)
    {
        var path = string.IsNullOrWhiteSpace(data.TokenizerPath)
            ? Path.Combine(CacheFolder(), $"bpe-{corpusName}-{data.TokenizerVocabSize}.txt")
            : data.TokenizerPath;
        if (File.Exists(path)) return BpeTokenizer.Load(path);
        var tokenizer = BpeTokenizer.Train(documents.Select(d => d.Text), data.TokenizerVocabSize);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + $".{Environment.ProcessId}.tmp";
        tokenizer.Save(temp);
        File.Move(temp, path, overwrite: true);
        return tokenizer;
    }

    public static string CacheFolder() =>
        Environment.GetEnvironmentVariable("CODISTILL_CACHE") is { Length: > 0 } dir
            ? dir
            : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x
                ? x
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "actorcodistill");
}
