using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace ActorCodistill.Workers.Data;

/// <summary>
/// The King James Bible from the Debian <c>bible-kjv</c> package, one document per book (66).
/// The <c>bible</c> command prints one verse per line as <c>Ge1:1 In the beginning ...</c>;
/// the reference is stripped and a book's verses are joined with '\n'. A line without a reference
/// continues the previous verse (joined with a space); blank lines are ignored.
/// </summary>
public sealed partial class KjvCorpus : ITextCorpus
{
    public const string DefaultCommand = "bible";
    public static readonly IReadOnlyList<string> DefaultArguments = ["-f", "Gen1:1-Rev22:21"];

    private readonly string _command;
    private readonly IReadOnlyList<string> _arguments;

    public KjvCorpus() : this(DefaultCommand, DefaultArguments) { }

    public KjvCorpus(string command, IReadOnlyList<string> arguments)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        _command = command;
        _arguments = [.. arguments];
    }

    public string Name => "kjv";

    public string CommandLine => string.Join(' ', [_command, .. _arguments.Select(a => a.Contains(' ') ? $"\"{a}\"" : a)]);

    public IReadOnlyList<TextDocument> LoadDocuments() => Parse(RunCommand(), CommandLine);

    /// <summary>Groups verse lines into books, in order of first appearance.</summary>
    public static IReadOnlyList<TextDocument> Parse(string output, string source = "bible output")
    {
        var books = new List<(string Name, StringBuilder Text)>();
        var lineNo = 0;
        foreach (var raw in output.Split('\n'))
        {
            lineNo++;
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0)
            {
                continue;
            }
            var m = VerseLine().Match(line);
            if (m.Success)
            {
                var book = m.Groups["book"].Value;
                if (books.Count == 0 || books[^1].Name != book)
                {
                    if (books.Any(b => b.Name == book))
                    {
                        throw new InvalidDataException(
                            $"{source}:{lineNo}: book '{book}' appears again after other books; expected each book's verses together.");
                    }
                    books.Add((book, new StringBuilder()));
                }
                var text = books[^1].Text;
                if (text.Length > 0)
                {
                    text.Append('\n');
                }
                text.Append(m.Groups["text"].Value);
            }
            else if (books.Count == 0)
            {
                throw new InvalidDataException(
                    $"{source}:{lineNo}: expected a verse line like 'Ge1:1 In the beginning ...', found '{(line.Length > 60 ? line[..60] + "..." : line)}'.");
            }
            else
            {
                books[^1].Text.Append(' ').Append(line.Trim());
            }
        }
        return [.. books.Select(b => new TextDocument(b.Name, b.Text.ToString()))];
    }

    private string RunCommand()
    {
        var psi = new ProcessStartInfo(_command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in _arguments)
        {
            psi.ArgumentList.Add(a);
        }
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start '{CommandLine}'.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                $"Could not run '{CommandLine}': {e.Message}. The KJV corpus needs the Debian package bible-kjv: apt-get install bible-kjv", e);
        }
        using (process)
        {
            // Read stderr concurrently: a child that fills its stderr pipe while we block on stdout would deadlock.
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"'{CommandLine}' exited with code {process.ExitCode}: {stderr.GetAwaiter().GetResult().Trim()}");
            }
            if (stdout.Trim().Length == 0)
            {
                throw new InvalidOperationException($"'{CommandLine}' printed nothing; is bible-kjv installed completely? (apt-get install bible-kjv)");
            }
            return stdout;
        }
    }

    [GeneratedRegex(@"^(?<book>[1-3]?[A-Za-z]+)(?<chapter>\d+):(?<verse>\d+) ?(?<text>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex VerseLine();
}
