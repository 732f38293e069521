using System.Text.Json;

namespace ActorCodistill.Coordinator.Reporting;

/// <summary>A line of metrics.jsonl that could not be read; reported, never fatal.</summary>
/// <param name="LineNumber">1-based.</param>
/// <param name="Text">The line, cut to 200 characters.</param>
public sealed record MalformedLine(int LineNumber, string Reason, string Text);

/// <summary>Everything in a run directory, typed, in file order.</summary>
public sealed record RunRecords(
    string Directory,
    RunInfo Info,
    IReadOnlyList<TrainRecord> Train,
    IReadOnlyList<EvalRecord> Eval,
    IReadOnlyList<EventRecord> Events,
    SummaryRecord? Summary,
    IReadOnlyList<MalformedLine> Malformed);

/// <summary>The records of a metrics stream without the run.json around them.</summary>
public sealed record MetricsContent(
    IReadOnlyList<MetricRecord> Records,
    IReadOnlyList<MalformedLine> Malformed);

public static class MetricsReader
{
    private const int MaxQuotedLength = 200;

    /// <summary>
    /// Reads <c>run.json</c> and <c>metrics.jsonl</c> of <paramref name="runDirectory"/>. A missing or
    /// broken run.json is an error (the run cannot be labelled); a missing metrics file reads as empty
    /// (the run died before its first step); bad metrics lines are collected in <see cref="RunRecords.Malformed"/>.
    /// </summary>
    public static RunRecords Read(string runDirectory)
    {
        var info = ReadRunInfo(runDirectory);
        var metricsPath = Path.Combine(runDirectory, RunFiles.Metrics);
        var content = File.Exists(metricsPath)
            ? ReadMetrics(metricsPath)
            : new MetricsContent([], []);
        return Assemble(runDirectory, info, content);
    }

    public static RunInfo ReadRunInfo(string runDirectory)
    {
        var path = Path.Combine(runDirectory, RunFiles.RunJson);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: run.json not found; is '{runDirectory}' a run directory?", path);
        try
        {
            return JsonSerializer.Deserialize<RunInfo>(File.ReadAllText(path), ReportingJson.Document)
                ?? throw new InvalidDataException($"{path}: run.json holds null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: run.json is not valid: {e.Message}", e);
        }
    }

    public static MetricsContent ReadMetrics(string metricsPath)
    {
        // FileShare.ReadWrite: a live run keeps the file open for append while we read it.
        using var stream = new FileStream(metricsPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return ReadMetrics(reader);
    }

    public static MetricsContent ReadMetrics(TextReader reader)
    {
        var records = new List<MetricRecord>();
        var malformed = new List<MalformedLine>();
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            var record = TryParse(line, out var reason);
            if (record is null)
                malformed.Add(new MalformedLine(lineNumber, reason, Quote(line)));
            else
                records.Add(record);
        }
        return new MetricsContent(records, malformed);
    }

    public static RunRecords Assemble(string runDirectory, RunInfo info, MetricsContent content)
    {
        var summaries = content.Records.OfType<SummaryRecord>().ToList();
        return new RunRecords(
            runDirectory,
            info,
            content.Records.OfType<TrainRecord>().ToList(),
            content.Records.OfType<EvalRecord>().ToList(),
            content.Records.OfType<EventRecord>().ToList(),
            // A resumed run may have ended twice; the last summary describes the whole file.
            summaries.Count == 0 ? null : summaries[^1],
            content.Malformed);
    }

    private static MetricRecord? TryParse(string line, out string reason)
    {
        try
        {
            var record = JsonSerializer.Deserialize<MetricRecord>(line, ReportingJson.Line);
            if (record is null)
            {
                reason = "line is JSON null";
                return null;
            }
            if (record is TrainRecord { TeacherAge: null })
            {
                reason = "train record without teacher_age";
                return null;
            }
            reason = "";
            return record;
        }
        catch (JsonException e)
        {
            reason = e.Message;
        }
        catch (NotSupportedException e)
        {
            // Thrown by System.Text.Json when "kind" is missing (it cannot build the abstract base).
            reason = $"no known \"kind\" ({e.Message})";
        }
        return null;
    }

    private static string Quote(string line) =>
        line.Length <= MaxQuotedLength ? line : line[..MaxQuotedLength] + "...";
}
