using TorchSharp;
using ActorCodistill.Workers.Data;
using ActorCodistill.Workers.Models;
using ActorCodistill.Workers.Training;
using static TorchSharp.torch;

namespace ActorCodistill.Bench.Codistill;

/// <summary>
/// One worker's state for the demo model (hocon/demo.conf): student, Adam, one teacher copy loaded the way a worker
/// loads it (float16 weights widened into a float32 replica by <see cref="TeacherSet"/>), and a pool of 8 random
/// batches of 16 streams x 32 tokens used in turn. Create and use it on one thread (dispose scopes are per thread).
/// </summary>
internal sealed class DemoWorker : IDisposable
{
    public static readonly LmModelSpec Spec = new(VocabSize: 2048, Embedding: 128, Hidden: 256, Layers: 2, LayerNorm: true, Dropout: 0.0);
    public const int BatchSize = 16;
    public const int Window = 32;
    public const double LearningRate = 0.003;
    private const int Pool = 8;

    private readonly LmBatch[] _batches;
    private int _next;

    /// <summary>What teacher replicas compute in (--teacher-precision; the product's training.teacher-precision).</summary>
    public static TeacherPrecision TeacherPrecision { get; set; } = TeacherPrecision.Float32;

    public DemoWorker(int seed, bool withTeacher)
    {
        manual_seed(seed);
        Student = new LstmLanguageModel(Spec);
        Optimizer = optim.Adam(Student.Module.parameters(), LearningRate);
        Flat = new FlatParameters(Student.Module);
        Teachers = new TeacherSet(() => new LstmLanguageModel(Spec), TeacherPrecision);
        if (withTeacher)
        {
            // A different initialisation stands in for the other group's model; only its cost matters here.
            manual_seed(seed + 1000);
            using var other = new LstmLanguageModel(Spec);
            var weights = new Half[new FlatParameters(other.Module).Count];
            new FlatParameters(other.Module).ExportParametersHalf(weights);
            Teachers.Load(new TeacherCheckpoint(Group: 1, Step: 0, weights));
        }
        var random = new Random(seed);
        _batches = Enumerable.Range(0, Pool).Select(_ =>
        {
            var tokens = Enumerable.Range(0, BatchSize * (Window + 1)).Select(_ => random.Next(Spec.VocabSize)).ToArray();
            var inputs = new int[BatchSize * Window];
            var targets = new int[BatchSize * Window];
            for (var s = 0; s < BatchSize; s++)
            {
                tokens.AsSpan(s * (Window + 1), Window).CopyTo(inputs.AsSpan(s * Window));
                tokens.AsSpan(s * (Window + 1) + 1, Window).CopyTo(targets.AsSpan(s * Window));
            }
            return new LmBatch(inputs, targets, BatchSize, Window);
        }).ToArray();
    }

    public LstmLanguageModel Student { get; }
    public optim.Optimizer Optimizer { get; }
    public FlatParameters Flat { get; }
    public TeacherSet Teachers { get; }

    public LmBatch NextBatch() => _batches[_next++ % Pool];

    public void Dispose()
    {
        Teachers.Dispose();
        Optimizer.Dispose();
        Student.Dispose();
    }
}
