using System.Diagnostics;
using System.Globalization;
using ActorCodistill.Bench.Torch;
using ActorCodistill.Torch;
using static ActorCodistill.Torch.torch;

// Training step time through the binding, the C# half of bench/run-steps.sh (bench/python/step_bench.py is the
// Python half; both time the same thing the same way). One step = zero_grad + forward + loss + backward +
// optimizer step + loss.item() (the item is the CPU sync a training loop pays for logging the loss).
// Inputs: a pool of 8 batches made beforehand (seed 0), used in turn. Warm-up steps, then timed steps until the
// budget is spent (at least --min-steps); prints min / median / max per model, the first and last loss, and the
// loss at a fixed step (warm-up + min-steps), which both sides reach whatever the budget: equal check losses show
// that the two sides did the same math.
//
// Models: lstm (a); ctr (b) with a sparse embedding gradient (nn.Embedding(sparse: true) + Adagrad over the touched
// rows); ctr_dense (b) with the dense gradient, as the anchor's Python model has it.
//
// Threads: --threads sets libtorch's intra-op (OpenMP) pool, --blas-threads OpenBLAS's own pthread pool (torch's
// setting does not reach it). Both are printed at start-up; run the Python side with the same values. Defaults
// 1 / 2 are libtorch's and OpenBLAS's own defaults on a 2-core host and the fastest measured there (docs/bench-torch.md).

var options = Options.Parse(args);
Console.WriteLine($"# csharp .NET {Environment.Version}; {InitializeAndDescribe(options.Threads, options.BlasThreads)}; cpus {Environment.ProcessorCount}");
Console.WriteLine("bench,impl,model,torch_threads,blas_threads,steps,min_ms,median_ms,max_ms,first_loss,last_loss,check_step,check_loss");

foreach (var model in options.Models)
{
    manual_seed(options.Seed);
    var (step, dispose) = model switch
    {
        "lstm" => LstmStep(),
        "ctr" => CtrStep(sparse: true),
        "ctr_dense" => CtrStep(sparse: false),
        _ => throw new ArgumentException($"unknown model '{model}' (lstm, ctr, ctr_dense)"),
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
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"step,csharp,{model},{get_num_threads()},{get_blas_threads()},{times.Count},{times[0]:F2},{median:F2},{times[^1]:F2},{losses[0]:F4},{losses[^1]:F4},{warmup + options.MinSteps},{losses[warmup + options.MinSteps - 1]:F4}"));
}

static (Func<double> Step, Action Dispose) LstmStep(int vocab = 8192, int batch = 32, int seq = 32, int pool = 8)
{
    var model = new LstmLm(vocab);
    var opt = optim.Adam(model.parameters(), lr: 1e-3);
    var data = Enumerable.Range(0, pool).Select(_ =>
    {
        var d = randint(0, vocab, new long[] { batch, seq + 1 }).DetachFromDisposeScope();
        return (x: d.slice(1, 0, seq, 1).DetachFromDisposeScope(), y: d.slice(1, 1, seq + 1, 1).reshape(-1).DetachFromDisposeScope());
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

static (Func<double> Step, Action Dispose) CtrStep(bool sparse, int batch = 512, int buckets = 100_000, int pool = 8)
{
    var model = new CtrMlp(buckets, sparse: sparse);
    var opt = optim.Adagrad(model.parameters(), lr: 0.01);
    var data = Enumerable.Range(0, pool).Select(_ => (
        dense: randn(batch, 13).DetachFromDisposeScope(),
        ids: randint(0, buckets, new long[] { batch, 26 }).DetachFromDisposeScope(),
        y: randint(0, 2, new long[] { batch }).to(ScalarType.Float32).DetachFromDisposeScope())).ToArray();
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

internal sealed record Options(string[] Models, int Threads, int BlasThreads, int Warmup, double Budget, int MinSteps, int MaxSteps, long Seed)
{
    public static Options Parse(string[] args)
    {
        var o = new Options(new[] { "lstm", "ctr" }, 1, 2, 3, 12, 8, 2000, 0);
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
                _ => throw new ArgumentException($"unknown option {args[i]} (--models, --threads, --blas-threads, --warmup, --budget, --min-steps, --max-steps, --seed)"),
            };
        }
        return o;
    }
}
