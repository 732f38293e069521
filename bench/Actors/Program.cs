using System.Diagnostics;
using System.Runtime;
using System.Threading.Channels;
using ActorCodistill.Cluster.Actors;

namespace ActorCodistill.Bench.Actors;

/// <summary>
/// Actor hand-offs against a bare Channel&lt;T&gt; loop doing the same hand-offs, in the same run. The ratio
/// (actor / channel) is the number to watch; absolute rates depend on the machine.
/// </summary>
public static class Program
{
    public static async Task Main(string[] args)
    {
        var scale = args.Length > 0 && double.TryParse(args[0], out var s) ? s : 1.0;
        var pingPongMessages = (int)(400_000 * scale);
        var fanOutRounds = (int)(200 * scale);
        const int fanOutWidth = 1000;
        const int inFlight = 100;
        var settings = new ActorSystemSettings { LogLevel = LogLevel.Warning };

        ThreadPool.GetMinThreads(out var minWorkers, out var minIo);
        ThreadPool.GetMaxThreads(out var maxWorkers, out _);
        Console.WriteLine($".NET {Environment.Version}, {Environment.ProcessorCount} cores, server GC {GCSettings.IsServerGC}, " +
                          $"GC latency {GCSettings.LatencyMode}, thread pool min {minWorkers}/{minIo} max {maxWorkers}, " +
                          $"actor throughput {settings.Throughput}, Release={!IsDebug()}");
        Console.WriteLine($"{"case (median of 5 alternating trials)",-38} {"actors msg/s",14} {"channel msg/s",14} {"ratio",7}");

        // Warm-up so JIT tiers and the thread pool settle before the measured runs.
        await ActorPingPong(settings, 20_000, 1);
        await ChannelPingPong(20_000, 1);
        await ActorFanOut(settings, 5, fanOutWidth);
        await ChannelFanOut(5, fanOutWidth);

        await Case("ping-pong pair, 1 in flight", pingPongMessages,
            () => ActorPingPong(settings, pingPongMessages, 1), () => ChannelPingPong(pingPongMessages, 1));
        await Case($"ping-pong pair, {inFlight} in flight", pingPongMessages * 10,
            () => ActorPingPong(settings, pingPongMessages * 10, inFlight),
            () => ChannelPingPong(pingPongMessages * 10, inFlight));
        var batched = settings with { Throughput = 300 };
        await Case($"ping-pong pair, {inFlight} in flight, tp 300", pingPongMessages * 10,
            () => ActorPingPong(batched, pingPongMessages * 10, inFlight),
            () => ChannelPingPong(pingPongMessages * 10, inFlight));
        var fanMessages = fanOutRounds * fanOutWidth * 2;
        await Case($"fan-out {fanOutWidth} and back x{fanOutRounds}", fanMessages,
            () => ActorFanOut(settings, fanOutRounds, fanOutWidth), () => ChannelFanOut(fanOutRounds, fanOutWidth));
    }

    // Alternates actor and channel trials so a burst of load from other processes hits both; reports medians.
    private static async Task Case(string name, int messages, Func<Task<TimeSpan>> actor, Func<Task<TimeSpan>> channel)
    {
        const int trials = 5;
        var a = new List<TimeSpan>();
        var c = new List<TimeSpan>();
        for (var i = 0; i < trials; i++)
        {
            a.Add(await actor());
            c.Add(await channel());
        }
        Report(name, messages, a.Order().ElementAt(trials / 2), c.Order().ElementAt(trials / 2));
    }

    private static bool IsDebug()
    {
#if DEBUG
        return true;
#else
        return false;
#endif
    }

    private static void Report(string name, int messages, TimeSpan actors, TimeSpan channel)
    {
        var a = messages / actors.TotalSeconds;
        var c = messages / channel.TotalSeconds;
        Console.WriteLine($"{name,-38} {a,14:N0} {c,14:N0} {a / c,7:0.00}");
    }

    // ---- ping-pong: `messages` hand-offs between two parties, `inFlight` balls in play ----

    private static async Task<TimeSpan> ActorPingPong(ActorSystemSettings settings, int messages, int inFlight)
    {
        var system = ActorSystem.Create("bench", settings);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var counter = new SharedCounter(messages, done);
        var pong = system.ActorOf(Props.Create(() => new Player(counter)), "pong");
        var ping = system.ActorOf(Props.Create(() => new Player(counter)), "ping");
        var stop = Stopwatch.StartNew();
        for (var i = 0; i < inFlight; i++)
        {
            pong.Tell(Ball.Instance, ping);
        }
        await done.Task;
        var elapsed = stop.Elapsed;
        await system.Terminate();
        return elapsed;
    }

    private static async Task<TimeSpan> ChannelPingPong(int messages, int inFlight)
    {
        var a = Channel.CreateUnbounded<Ball>(new UnboundedChannelOptions { SingleReader = true });
        var b = Channel.CreateUnbounded<Ball>(new UnboundedChannelOptions { SingleReader = true });
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var counter = new SharedCounter(messages, done);
        var cts = new CancellationTokenSource();
        var stop = Stopwatch.StartNew();
        var left = Task.Run(() => Bounce(a.Reader, b.Writer, counter, cts.Token));
        var right = Task.Run(() => Bounce(b.Reader, a.Writer, counter, cts.Token));
        for (var i = 0; i < inFlight; i++)
        {
            a.Writer.TryWrite(Ball.Instance);
        }
        await done.Task;
        var elapsed = stop.Elapsed;
        cts.Cancel();
        await Task.WhenAll(left, right).ContinueWith(_ => { }, TaskScheduler.Default);
        return elapsed;
    }

    private static async Task Bounce(ChannelReader<Ball> input, ChannelWriter<Ball> output, SharedCounter counter,
        CancellationToken token)
    {
        while (await input.WaitToReadAsync(token).ConfigureAwait(false))
        {
            while (input.TryRead(out var ball))
            {
                if (counter.Hit())
                {
                    output.TryWrite(ball);
                }
            }
        }
    }

    // ---- fan-out: one coordinator sends to `width` workers, each replies, `rounds` times ----

    private static async Task<TimeSpan> ActorFanOut(ActorSystemSettings settings, int rounds, int width)
    {
        var system = ActorSystem.Create("bench", settings);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var workers = Enumerable.Range(0, width).Select(i => system.ActorOf(Props.Create<Worker>(), $"w{i}")).ToArray();
        var coordinator = system.ActorOf(Props.Create(() => new Coordinator(workers, rounds, done)), "coordinator");
        var stop = Stopwatch.StartNew();
        coordinator.Tell(Ball.Instance);
        await done.Task;
        var elapsed = stop.Elapsed;
        await system.Terminate();
        return elapsed;
    }

    private static async Task<TimeSpan> ChannelFanOut(int rounds, int width)
    {
        var replies = Channel.CreateUnbounded<Ball>(new UnboundedChannelOptions { SingleReader = true });
        var inboxes = Enumerable.Range(0, width)
            .Select(_ => Channel.CreateUnbounded<Ball>(new UnboundedChannelOptions { SingleReader = true })).ToArray();
        var cts = new CancellationTokenSource();
        var workers = inboxes.Select(inbox => Task.Run(async () =>
        {
            try
            {
                while (await inbox.Reader.WaitToReadAsync(cts.Token).ConfigureAwait(false))
                {
                    while (inbox.Reader.TryRead(out var ball))
                    {
                        replies.Writer.TryWrite(ball);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        })).ToArray();
        var stop = Stopwatch.StartNew();
        for (var round = 0; round < rounds; round++)
        {
            foreach (var inbox in inboxes)
            {
                inbox.Writer.TryWrite(Ball.Instance);
            }
            for (var got = 0; got < width;)
            {
                await replies.Reader.WaitToReadAsync().ConfigureAwait(false);
                while (got < width && replies.Reader.TryRead(out _))
                {
                    got++;
                }
            }
        }
        var elapsed = stop.Elapsed;
        cts.Cancel();
        await Task.WhenAll(workers);
        return elapsed;
    }

    private sealed class Ball
    {
        public static readonly Ball Instance = new();
    }

    /// <summary>Counts hand-offs across both parties; false once the budget is spent.</summary>
    private sealed class SharedCounter(int budget, TaskCompletionSource done)
    {
        private int _left = budget;

        public bool Hit()
        {
            var left = Interlocked.Decrement(ref _left);
            if (left == 0)
            {
                done.TrySetResult();
            }
            return left > 0;
        }
    }

    private sealed class Player : ActorBase
    {
        private readonly SharedCounter _counter;

        public Player(SharedCounter counter) => _counter = counter;

        protected override bool Receive(object message)
        {
            if (_counter.Hit())
            {
                Sender.Tell(message, Self);
            }
            return true;
        }
    }

    private sealed class Worker : ActorBase
    {
        protected override bool Receive(object message)
        {
            Sender.Tell(message, Self);
            return true;
        }
    }

    private sealed class Coordinator : ActorBase
    {
        private readonly IActorRef[] _workers;
        private readonly TaskCompletionSource _done;
        private int _roundsLeft;
        private int _pending;

        public Coordinator(IActorRef[] workers, int rounds, TaskCompletionSource done)
        {
            _workers = workers;
            _roundsLeft = rounds;
            _done = done;
        }

        protected override bool Receive(object message)
        {
            if (_pending > 0 && --_pending > 0)
            {
                return true;
            }
            if (_roundsLeft-- == 0)
            {
                _done.TrySetResult();
                return true;
            }
            _pending = _workers.Length;
            foreach (var worker in _workers)
            {
                worker.Tell(message, Self);
            }
            return true;
        }
    }
}
