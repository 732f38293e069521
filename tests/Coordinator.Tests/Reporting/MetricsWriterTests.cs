using ActorCodistill.Coordinator.Reporting;

namespace ActorCodistill.Coordinator.Tests.Reporting;

[Trait("Category", "Unit")]
public sealed class MetricsWriterTests
{
    [Fact]
    public void WriteThenRead_AllKinds_RoundTrip()
    {
        using var dir = new TempDirectory();
        var info = Runs.Info("rt", RunMode.Codistill);
        var train = new TrainRecord(12, 0, 5.1, 5.0, 0.1, true, 812.3, [12, 40], 3.2);
        var eval = new EvalRecord(50, 1, 4.2, 10.1);
        var evt = new EventRecord(100, -1, "topology changed to ring", 20);
        var summary = new SummaryRecord(200, -1, 41.5, new Dictionary<string, long> { ["bytes_sent"] = 1234 });

        using (var writer = MetricsWriter.Create(dir.Path, info))
        {
            writer.Append(train);
            writer.Append(eval);
            writer.Append(evt);
            writer.Append(summary);
        }
        var run = MetricsReader.Read(dir.Path);

        Assert.Equal(info.RunId, run.Info.RunId);
        Assert.Equal(RunMode.Codistill, run.Info.Mode);
        Assert.Equal(info.StartedUtc, run.Info.StartedUtc);
        Assert.Equal("50", run.Info.Config["training.reload-interval"]);
        Assert.Equal("1", run.Info.Threads["torch_intra_op"]);
        var readTrain = Assert.Single(run.Train);
        Assert.Equal(train with { TeacherAge = readTrain.TeacherAge }, readTrain);
        Assert.Equal([12L, 40L], readTrain.TeacherAge);
        Assert.Equal(eval, Assert.Single(run.Eval));
        Assert.Equal(evt, Assert.Single(run.Events));
        Assert.NotNull(run.Summary);
        Assert.Equal(1234, run.Summary.Counters!["bytes_sent"]);
        Assert.Empty(run.Malformed);
    }

    [Fact]
    public void Open_OfAFileWithATornLastLine_KeepsItOneMalformedLine_AndTheNewRecordsIntact()
    {
        using var dir = new TempDirectory();
        var train = new TrainRecord(12, 0, 5.1, 5.0, 0.1, true, 812.3, [12], 3.2);
        using (var writer = MetricsWriter.Create(dir.Path, Runs.Info()))
            writer.Append(train);
        File.AppendAllText(dir.File(RunFiles.Metrics), """{"kind":"train","step":13,"gro""");

        using (var writer = MetricsWriter.Open(dir.Path))
            writer.Append(train with { Step = 13 });
        var run = MetricsReader.Read(dir.Path);

        Assert.Equal([12L, 13L], run.Train.Select(t => t.Step));
        var torn = Assert.Single(run.Malformed);
        Assert.Equal(2, torn.LineNumber);
    }

    [Fact]
    public void Append_Line_UsesTheDocumentedFieldNamesWithKindFirst()
    {
        using var dir = new TempDirectory();
        using (var writer = MetricsWriter.Create(dir.Path, Runs.Info()))
            writer.Append(new TrainRecord(12, 0, 5.1, 5.0, 0.1, true, 812.3, [12], 3.2));

        var line = Assert.Single(File.ReadAllLines(dir.File(RunFiles.Metrics)));
        Assert.Equal(
            """{"kind":"train","step":12,"group":0,"loss":5.1,"task_loss":5,"distill_loss":0.1,"distill_on":true,"examples_per_s":812.3,"teacher_age":[12],"time_s":3.2}""",
            line);
        var runJson = File.ReadAllText(dir.File(RunFiles.RunJson));
        Assert.Contains("\"run_id\": \"r1\"", runJson);
        Assert.Contains("\"mode\": \"baseline\"", runJson);
        Assert.Contains("\"workers_per_group\": 2", runJson);
        Assert.DoesNotContain("Label", runJson);
    }

    [Fact]
    public void Append_NaNLoss_RoundTripsInsteadOfThrowing()
    {
        using var dir = new TempDirectory();
        using (var writer = MetricsWriter.Create(dir.Path, Runs.Info()))
            writer.Append(new EvalRecord(50, 0, double.NaN, 1));

        Assert.True(double.IsNaN(Assert.Single(MetricsReader.Read(dir.Path).Eval).ValLoss));
    }

    [Fact]
    public void Append_FromManyThreads_EveryLineWholeAndPresent()
    {
        using var dir = new TempDirectory();
        const int threads = 4, perThread = 250;
        using (var writer = MetricsWriter.Create(dir.Path, Runs.Info()))
        {
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                for (var i = 0; i < perThread; i++)
                    writer.Append(Runs.Train(i, t, 1.0 + i, ages: [i]));
            });
        }
        var run = MetricsReader.Read(dir.Path);

        Assert.Empty(run.Malformed);
        Assert.Equal(threads * perThread, run.Train.Count);
        for (var t = 0; t < threads; t++)
            Assert.Equal(Enumerable.Range(0, perThread).Select(i => (long)i), run.Train.Where(r => r.Group == t).Select(r => r.Step));
    }

    [Fact]
    public void Open_AfterRestart_AppendsToTheSameFile()
    {
        using var dir = new TempDirectory();
        using (var writer = MetricsWriter.Create(dir.Path, Runs.Info()))
            writer.Append(Runs.Eval(50, 0, 4.0));
        using (var writer = MetricsWriter.Open(dir.Path))
            writer.Append(Runs.Eval(100, 0, 3.5));

        Assert.Equal([50L, 100L], MetricsReader.Read(dir.Path).Eval.Select(e => e.Step));
    }

    [Fact]
    public void Append_BeforeDispose_IsVisibleToAReaderWhileTheFileIsOpen()
    {
        using var dir = new TempDirectory();
        using var writer = MetricsWriter.Create(dir.Path, Runs.Info());
        writer.Append(Runs.Eval(50, 0, 4.0));

        // Not disposed: the line must already be out of our buffer (a kill -9 here keeps it).
        Assert.Single(MetricsReader.Read(dir.Path).Eval);
    }

    [Fact]
    public void Append_AfterDispose_Throws()
    {
        using var dir = new TempDirectory();
        var writer = MetricsWriter.Create(dir.Path, Runs.Info());
        writer.Dispose();

        Assert.Throws<ObjectDisposedException>(() => writer.Append(Runs.Eval(1, 0, 1)));
    }
}
