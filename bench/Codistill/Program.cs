// Codistillation step overhead for the demo model (hocon/demo.conf: vocab 2048, embedding 128, 2 x LSTM 256 with
// layer norm, batch 16 x 32, Adam 0.003, one teacher), the C# half of bench/run-codistill.sh.
//
//   dotnet ActorCodistill.Bench.Codistill.dll [--threads 1] [--blas-threads 1] [--budget 10] [--warmup 3]
//          [--min-steps 8] [--parts single,group] [--teacher-precision float32|bfloat16]
//
// single: (a) baseline step and (b) codistill step with the teacher forward in the critical path, one worker,
//         steps interleaved. group: (c) a 2-member group on two threads with an in-process ring allreduce,
//         without teacher, with the teacher in the critical path, and with the next batch's teacher forward
//         overlapped with the allreduce. Medians of timed steps after warm-up; thread settings printed first.
using System.Globalization;
using ActorCodistill.Bench.Codistill;
using static TorchSharp.torch;

var options = BenchOptions.Parse(args);
DemoWorker.TeacherPrecision = options.TeacherPrecision;
Console.WriteLine($"# csharp .NET {Environment.Version}; {ActorCodistill.Workers.Training.TorchSetup.InitializeAndDescribe(options.Threads, options.BlasThreads)}; cpus {Environment.ProcessorCount}");
Console.WriteLine($"# demo model: vocab {DemoWorker.Spec.VocabSize}, embedding {DemoWorker.Spec.Embedding}, {DemoWorker.Spec.Layers} x LSTM {DemoWorker.Spec.Hidden} + layer norm, " +
                  $"teacher {options.TeacherPrecision}, batch {DemoWorker.BatchSize} x {DemoWorker.Window}, Adam {DemoWorker.LearningRate.ToString(CultureInfo.InvariantCulture)}; budget {options.Budget.ToString(CultureInfo.InvariantCulture)} s per part, warm-up {options.Warmup}");
Console.WriteLine(StepStats.Header);
var threads = get_num_threads();
var blas = options.BlasThreads;
StepStats? baseline = null;
if (options.Single)
{
    var (a, b) = SingleWorkerBench.Run(options);
    baseline = a;
    Console.WriteLine(a.Row(threads, blas));
    Console.WriteLine(b.Row(threads, blas));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio,csharp,b/a,{b.MedianStep / a.MedianStep:F3}"));
}
if (options.Group)
{
    var group = GroupBench.Run(options, Console.WriteLine);
    foreach (var s in group) Console.WriteLine(s.Row(threads, blas));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio,csharp,c1/c0,{group[1].MedianStep / group[0].MedianStep:F3}"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio,csharp,c2/c0,{group[2].MedianStep / group[0].MedianStep:F3}"));
    if (baseline is not null)
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio,csharp,c2/a,{group[2].MedianStep / baseline.MedianStep:F3}"));
}
return 0;
