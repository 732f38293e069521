using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using ActorCodistill.Bench.TorchSharpBench;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

// Training step time through TorchSharp 0.107 (libtorch 2.10, CPU): the TorchSharp twin of bench/Torch (the binding)
// and bench/python/step_bench.py, driven by bench/run-steps.sh. Same models, same step, same timing, same output line
// ("step,torchsharp,<model>,..."). One step = zero_grad + forward + loss + backward + optimizer step + loss.item(),
// inside torch.NewDisposeScope(). Inputs: a pool of 8 batches made beforehand (seed 0), used in turn. Warm-up steps,
// then timed steps until the budget is spent (at least --min-steps); prints min / median / max per model, the first
// and last loss, and the loss at a fixed step (warm-up + min-steps), which every side reaches whatever the budget.
//
// Models: lstm (a), lstm_fused the same with the product's FusedAdam; ctr (b) with a dense embedding gradient (TorchSharp's Adagrad rejects sparse gradients); ctr_fused
// the same with the product's FusedAdagrad (what the product's ctr model trains with). "ctr_dense"
// is accepted as a synonym of ctr (bench/Torch's name for its dense model).
//
// Threads: --threads sets libtorch's intra-op pool (torch.set_num_threads: OpenMP, and MKL through it). TorchSharp's
// libtorch does its GEMMs in MKL (linked into libtorch_cpu) and oneDNN, both on that one OpenMP pool: there is no
// separate OpenBLAS pool, so --blas-threads is accepted (run-steps.sh passes the same arguments to every side) and
// ignored, and the start-up line says so.
//
// Allocator: --malloc-tuned (default; --no-malloc-tuned turns it off) calls glibc mallopt(M_MMAP_MAX, 0) and
// mallopt(M_TRIM_THRESHOLD, int.MaxValue) at start-up, so the step's large buffers come from the heap and stay there
// instead of being mmap'ed and munmap'ed (page faults + zeroing) every step. The Python equivalent is
// GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4294967295.

var options = Options.Parse(args);
var malloc = options.MallocTuned ? Malloc.Tune() : "glibc default (mmap above 128 KiB+, trim)";
set_num_threads(options.Threads);
Console.WriteLine($"# torchsharp .NET {Environment.Version}; TorchSharp {typeof(torch).Assembly.GetName().Version}; " +
    $"torch threads {get_num_threads()}; BLAS MKL + oneDNN in libtorch_cpu on the torch (OpenMP) pool, no OpenBLAS pool: " +
    $"--blas-threads {options.BlasThreads} ignored; malloc {malloc}; " +
    $"OMP_WAIT_POLICY={Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "(unset)"}; cpus {Environment.ProcessorCount}");
Console.WriteLine("bench,impl,model,torch_threads,blas_threads,steps,min_ms,median_ms,max_ms,first_loss,last_loss,check_step,check_loss");

foreach (var model in options.Models)
{
    manual_seed(options.Seed);
    var (step, dispose) = model switch
    {
        "lstm" => LstmStep(),
        "lstm_fused" => LstmStep(fused: true),
        "ctr" or "ctr_dense" => CtrStep(),
        "ctr_fused" => CtrStep(fused: true),
        _ => throw new ArgumentException($"unknown model '{model}' (lstm, lstm_fused, ctr, ctr_fused; ctr_dense = ctr)"),
    };
    var isCtr = model.StartsWith("ctr", StringComparison.Ordinal);
    var warmup = isCtr ? 5 * options.Warmup : options.Warmup;
    var budget = isCtr ? options.Budget / 2 : options.Budget;
    var losses = new List<double>();
    for (var i = 0; i < warmup; i++) losses.Add(step());
    var times = new List<double>();
    var total = Stopwatch.StartNew();
    while (times.Count < options.MinSteps || (total.Elapsed.TotalSeconds < budget && times.Count < options.MaxSteps))
    {
        var t0 = Stopwatch.GetTimestamp();
        losses.Add(step());
        times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
    }
    dispose();
    times.Sort();
    var median = times.Count % 2 == 1 ? times[times.Count / 2] : (times[times.Count / 2 - 1] + times[times.Count / 2]) / 2;
    // blas_threads column: the torch pool's size (MKL runs on it); there is no other BLAS pool.
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"step,{options.Impl},{model},{get_num_threads()},{get_num_threads()},{times.Count},{times[0]:F2},{median:F2},{times[^1]:F2},{losses[0]:F4},{losses[^1]:F4},{warmup + options.MinSteps},{losses[warmup + options.MinSteps - 1]:F4}"));
}

static (Func<double> Step, Action Dispose) LstmStep(bool fused = false, int vocab = 8192, int batch = 32, int seq = 32, int pool = 8)
{
    var model = new LstmLm(vocab);
    // lstm_fused: the product's Adam (src/Workers/Training/FusedAdam.cs: one managed SIMD pass per parameter).
    OptimizerHelper opt = fused
        ? new ActorCodistill.Workers.Training.FusedAdam(model.parameters(), lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8)
        : optim.Adam(model.parameters(), lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8);
    var data = Enumerable.Range(0, pool).Select(_ =>
    {
        var d = randint(0, vocab, new long[] { batch, seq + 1 });
        return (x: d[.., ..seq], y: d[.., 1..].reshape(-1));
    }).ToArray();
    var i = 0;
    double Step()
    {
        using var scope = NewDisposeScope();
        var (x, y) = data[i++ % pool];
        opt.zero_grad();
        var logits = model.forward(x).reshape(-1, vocab);
        var loss = nn.functional.cross_entropy(logits, y);
        loss.backward();
        opt.step();
        return loss.item<float>();
    }
    return (Step, () => { opt.Dispose(); model.Dispose(); });
}

static (Func<double> Step, Action Dispose) CtrStep(bool fused = false, int batch = 512, int buckets = 100_000, int pool = 8)
{
    var model = new CtrMlp(buckets);
    // ctr_fused: the product's Adagrad (src/Workers/Training/FusedAdagrad.cs: one managed SIMD pass, untouched rows skipped).
    var opt = fused
        ? new ActorCodistill.Workers.Training.FusedAdagrad(model.parameters(), lr: 0.01, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10)
        : optim.Adagrad(model.parameters(), lr: 0.01, lr_decay: 0, weight_decay: 0, initial_accumulator_value: 0, eps: 1e-10);
    var data = Enumerable.Range(0, pool).Select(_ => (
        dense: randn(batch, 13),
        ids: randint(0, buckets, new long[] { batch, 26 }),
        y: randint(0, 2, new long[] { batch }).to(ScalarType.Float32))).ToArray();
    var i = 0;
    double Step()
    {
        using var scope = NewDisposeScope();
        var (dense, ids, y) = data[i++ % pool];
        opt.zero_grad();
        var loss = nn.functional.binary_cross_entropy_with_logits(model.forward(dense, ids), y);
        loss.backward();
        opt.step();
        return loss.item<float>();
    }
    return (Step, () => { opt.Dispose(); model.Dispose(); });
}

internal static partial class Malloc
{
    private const int M_TRIM_THRESHOLD = -1;
    private const int M_MMAP_MAX = -4;

    [LibraryImport("libc")]
    private static partial int mallopt(int param, int value);

    /// <summary>No mmap'ed chunks and no trimming of the heap top: freed step buffers stay in the process for the next step.</summary>
    public static string Tune()
    {
        if (mallopt(M_MMAP_MAX, 0) != 1 || mallopt(M_TRIM_THRESHOLD, int.MaxValue) != 1)
            throw new InvalidOperationException("mallopt failed");
        return "tuned (mallopt M_MMAP_MAX=0, M_TRIM_THRESHOLD=int.MaxValue)";
    }
}

internal sealed record Options(string[] Models, int Threads, int BlasThreads, int Warmup, double Budget, int MinSteps, int MaxSteps, long Seed, bool MallocTuned, string? ImplName)
{
    /// <summary>The impl column: "torchsharp" with the tuned allocator, "torchsharp_untuned" without, unless --impl names it.</summary>
    public string Impl => ImplName ?? (MallocTuned ? "torchsharp" : "torchsharp_untuned");

    public static Options Parse(string[] args)
    {
        var o = new Options(new[] { "lstm", "ctr" }, 1, 2, 3, 12, 8, 2000, 0, true, null);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            o = args[i] switch
            {
                "--models" => o with { Models = Next().Split(',', StringSplitOptions.RemoveEmptyEntries) },
                "--threads" => o with { Threads = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--blas-threads" => o with { BlasThreads = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--warmup" => o with { Warmup = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--budget" => o with { Budget = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--min-steps" => o with { MinSteps = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--max-steps" => o with { MaxSteps = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--seed" => o with { Seed = long.Parse(Next(), CultureInfo.InvariantCulture) },
                "--malloc-tuned" => o with { MallocTuned = true },
                "--no-malloc-tuned" => o with { MallocTuned = false },
                "--impl" => o with { ImplName = Next() },
                _ => throw new ArgumentException($"unknown option {args[i]} (--models, --threads, --blas-threads (ignored), --warmup, --budget, --min-steps, --max-steps, --seed, --malloc-tuned, --no-malloc-tuned, --impl)"),
            };
        }
        return o;
    }
}
