using ActorCodistill.Coordinator.Reporting;

namespace ActorCodistill.Coordinator.Tests.Reporting;

[Trait("Category", "Unit")]
public sealed class MetricsReaderTests
{
    [Fact]
    public void ReadMetrics_MalformedLines_ReportedWithLineNumbersAndTheRestKept()
    {
        var text = string.Join("\n",
            """{"kind":"eval","step":50,"group":0,"val_loss":4.2,"time_s":10.1}""",
            """{"kind":"eval","step":100,"group":0,"val_loss":""",
            "",
            """{"kind":"eval","step":150,"group":0,"time_s":11}""",
            """{"kind":"bogus","step":1,"group":0,"time_s":1}""",
            """{"step":1,"group":0,"time_s":1}""",
            """{"kind":"train","step":12,"group":0,"loss":5.1,"task_loss":5.0,"distill_loss":0.1,"distill_on":true,"examples_per_s":812.3,"teacher_age":[12],"time_s":3.2}""",
            """{"kind":"eval","step":200,"group":1,"val_loss":3.9,"ti""");

        var content = MetricsReader.ReadMetrics(new StringReader(text));

        Assert.Equal([2, 4, 5, 6, 8], content.Malformed.Select(m => m.LineNumber));
        Assert.Contains("val_loss", content.Malformed[1].Reason);
        Assert.Equal(2, content.Records.Count);
        Assert.IsType<EvalRecord>(content.Records[0]);
        Assert.IsType<TrainRecord>(content.Records[1]);
    }

    [Fact]
    public void ReadMetrics_KindNotFirst_StillRead()
    {
        var content = MetricsReader.ReadMetrics(new StringReader("""{"step":50,"group":0,"val_loss":4.2,"time_s":1,"kind":"eval"}"""));

        Assert.Empty(content.Malformed);
        Assert.Equal(new EvalRecord(50, 0, 4.2, 1), Assert.Single(content.Records));
    }

    [Fact]
    public void ReadMetrics_LongBadLine_QuotedTextIsCut()
    {
        var content = MetricsReader.ReadMetrics(new StringReader(new string('x', 1000)));

        Assert.Equal(203, Assert.Single(content.Malformed).Text.Length);
    }

    [Fact]
    public void Read_CrashedRun_TornLastLineReportedAndEarlierLinesKept()
    {
        using var dir = new TempDirectory();
        using (var writer = MetricsWriter.Create(dir.Path, Runs.Info()))
        {
            writer.Append(Runs.Eval(50, 0, 4.0));
            writer.Append(Runs.Eval(100, 0, 3.8));
        }
        File.AppendAllText(dir.File(RunFiles.Metrics), """{"kind":"eval","step":150,"gr""");

        var run = MetricsReader.Read(dir.Path);

        Assert.Equal(2, run.Eval.Count);
        Assert.Equal(3, Assert.Single(run.Malformed).LineNumber);
        Assert.Null(run.Summary);
    }

    [Fact]
    public void Read_NoRunJson_ErrorNamesTheFile()
    {
        using var dir = new TempDirectory();

        var error = Assert.Throws<FileNotFoundException>(() => MetricsReader.Read(dir.Path));

        Assert.Contains(dir.File(RunFiles.RunJson), error.Message);
    }

    [Fact]
    public void Read_BadRunJson_ErrorNamesTheFile()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File(RunFiles.RunJson), """{"run_id":"x","mode":"ensemble"}""");

        var error = Assert.Throws<InvalidDataException>(() => MetricsReader.Read(dir.Path));

        Assert.Contains(dir.File(RunFiles.RunJson), error.Message);
    }

    [Fact]
    public void Read_NoMetricsFileYet_EmptyRun()
    {
        using var dir = new TempDirectory();
        MetricsWriter.WriteRunInfo(dir.Path, Runs.Info());

        var run = MetricsReader.Read(dir.Path);

        Assert.Empty(run.Train);
        Assert.Empty(run.Eval);
        Assert.Empty(run.Malformed);
    }
}
