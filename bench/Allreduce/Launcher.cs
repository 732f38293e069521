using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using ActorCodistill.Cluster.Remote;

namespace ActorCodistill.Bench.Allreduce;

/// <summary>Starts the member processes for each world size, drives them, and prints one row per (N, size).</summary>
internal static class Launcher
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(300);

    public static async Task<int> RunAsync(AllreduceOptions options, RemoteSettings settings)
    {
        Console.WriteLine("# ring allreduce (SUM, float32, in place) over the cluster's TCP transport (RemoteTransport bulk channel), loopback 127.0.0.1");
        Console.WriteLine($"# one process per member; {options.Describe()}; .NET {Environment.Version}, {Environment.ProcessorCount} cpus, " +
                          $"workstation non-concurrent GC with RetainVM, tiered compilation {(AppContext.TryGetSwitch("System.Runtime.TieredCompilation", out var tiered) && !tiered ? "off" : "on")}, default thread pool (min {MinThreads()} workers); time = per-iteration max over members");
        Console.WriteLine("# busbw = 2(N-1)/N * bytes / t ; GB/s = 1e9 B/s; busbw_lo/busbw_hi use max/min time");
        if (options.Csv) Console.WriteLine("bench,N,bytes,reps,min_us,median_us,max_us,algbw_GBps,busbw_GBps");
        else Console.WriteLine($"{"N",-6} {"size",-8} {"reps",6} {"min_us",11} {"median_us",11} {"max_us",11} {"algbw",9} {"busbw",9} {"busbw_lo",9} {"busbw_hi",9}");

        var failed = 0;
        foreach (var world in options.Worlds)
        {
            try
            {
                await RunWorldAsync(world, options);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException)
            {
                Console.Error.WriteLine($"world {world}: {e.Message}");
                failed++;
            }
        }
        return failed == 0 ? 0 : 1;
    }

    private static async Task RunWorldAsync(int world, AllreduceOptions options)
    {
        var ports = FreePorts(world);
        var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        var members = new List<Process>();
        try
        {
            for (var rank = 0; rank < world; rank++) members.Add(StartMember(rank, world, ports, secret, options));
            await ExpectAllAsync(members, "ready");
            // Verify once, on a size that does not divide evenly by every N (uneven chunks are the edge case).
            await SendAllAsync(members, $"verify {(4 << 20) / sizeof(float) + 3}");
            await ExpectAllAsync(members, "ok");
            foreach (var bytes in options.Sizes)
            {
                var floats = checked((int)(bytes / sizeof(float)));
                var warmTarget = Math.Min(0.3, options.Budget / 5);
                var warm = await RunAsync(members, floats, 3);
                var perIteration = warm.Max(ts => ts.Average());
                if (3 * perIteration < warmTarget)
                {
                    var more = (int)Math.Min(197, Math.Ceiling((warmTarget - 3 * perIteration) / perIteration));
                    var extra = await RunAsync(members, floats, more);
                    perIteration = warm.Zip(extra, (a, b) => a.Concat(b).Average()).Max();
                }
                var reps = (int)Math.Clamp(Math.Ceiling(options.Budget / Math.Max(perIteration, 1e-7)), options.MinReps, options.MaxReps);
                var timed = await RunAsync(members, floats, reps);
                var perIterationMax = Enumerable.Range(0, reps).Select(i => timed.Max(ts => ts[i])).Order().ToArray();
                Print(world, bytes, perIterationMax, options.Csv);
            }
            await SendAllAsync(members, "quit");
            foreach (var member in members) await member.WaitForExitAsync();
            var bad = members.Where(m => m.ExitCode != 0).Select(m => m.ExitCode).ToList();
            if (bad.Count > 0) throw new InvalidOperationException($"members exited with codes {string.Join(',', bad)}");
        }
        finally
        {
            foreach (var member in members)
            {
                if (!member.HasExited) member.Kill();
                member.Dispose();
            }
        }
    }

    private static void Print(int world, long bytes, double[] sorted, bool csv)
    {
        var n = sorted.Length;
        var median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        var factor = 2.0 * (world - 1) / world;
        var algbw = bytes / median / 1e9;
        var busbw = factor * algbw;
        Console.WriteLine(csv
            ? string.Create(CultureInfo.InvariantCulture, $"ours_allreduce,{world},{bytes},{n},{sorted[0] * 1e6:F3},{median * 1e6:F3},{sorted[^1] * 1e6:F3},{algbw:F4},{busbw:F4}")
            : string.Create(CultureInfo.InvariantCulture,
                $"{world,-6} {Human(bytes),-8} {n,6} {sorted[0] * 1e6,11:F1} {median * 1e6,11:F1} {sorted[^1] * 1e6,11:F1} {algbw,9:F3} {busbw,9:F3} {factor * bytes / sorted[^1] / 1e9,9:F3} {factor * bytes / sorted[0] / 1e9,9:F3}"));
    }

    private static int MinThreads()
    {
        ThreadPool.GetMinThreads(out var workers, out _);
        return workers;
    }

    private static string Human(long bytes) =>
        bytes % (1L << 20) == 0 ? $"{bytes >> 20}MiB" : bytes % (1L << 10) == 0 ? $"{bytes >> 10}KiB" : $"{bytes}B";

    private static async Task<double[][]> RunAsync(List<Process> members, int floats, int count)
    {
        await SendAllAsync(members, $"run {floats} {count}");
        var replies = await Task.WhenAll(members.Select(ReadLineAsync));
        return replies.Select((reply, rank) =>
        {
            if (!reply.StartsWith("times ", StringComparison.Ordinal)) throw new InvalidOperationException($"member {rank}: expected times, got '{reply}'");
            var times = reply[6..].Split(',').Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray();
            if (times.Length != count) throw new InvalidOperationException($"member {rank}: {times.Length} times for {count} iterations");
            return times;
        }).ToArray();
    }

    private static async Task SendAllAsync(List<Process> members, string command)
    {
        foreach (var member in members)
        {
            await member.StandardInput.WriteLineAsync(command);
            await member.StandardInput.FlushAsync();
        }
    }

    private static async Task ExpectAllAsync(List<Process> members, string expected)
    {
        var replies = await Task.WhenAll(members.Select(ReadLineAsync));
        for (var rank = 0; rank < replies.Length; rank++)
            if (replies[rank] != expected) throw new InvalidOperationException($"member {rank}: expected '{expected}', got '{replies[rank]}'");
    }

    private static async Task<string> ReadLineAsync(Process member)
    {
        using var timeout = new CancellationTokenSource(ReplyTimeout);
        try
        {
            return await member.StandardOutput.ReadLineAsync(timeout.Token)
                   ?? throw new IOException($"member pid {member.Id} closed its output (exit code {(member.HasExited ? member.ExitCode : -1)})");
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"member pid {member.Id} did not answer within {ReplyTimeout.TotalSeconds} s");
        }
    }

    private static Process StartMember(int rank, int world, int[] ports, string secret, AllreduceOptions options)
    {
        var dll = typeof(Launcher).Assembly.Location;
        var host = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        // Run the same way this process runs: through the dotnet host with the dll, or the app host directly.
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.FileName = host;
            start.ArgumentList.Add(dll);
        }
        else start.FileName = host;
        foreach (var arg in new[]
                 {
                     "--member", rank.ToString(CultureInfo.InvariantCulture), "--world", world.ToString(CultureInfo.InvariantCulture),
                     "--ports", string.Join(',', ports), "--chunk-kib", options.ChunkKiB.ToString(CultureInfo.InvariantCulture),
                     "--window", options.Window.ToString(CultureInfo.InvariantCulture),
                     "--segment-kib", options.SegmentKiB.ToString(CultureInfo.InvariantCulture),
                 })
            start.ArgumentList.Add(arg);
        if (options.Checksums) start.ArgumentList.Add("--checksums");
        start.Environment[RemoteSettings.SecretEnvironmentVariable] = secret;
        return Process.Start(start) ?? throw new InvalidOperationException($"cannot start member {rank}");
    }

    // Bound and released at once; a port could be taken in between, in which case that member fails to bind and says so.
    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ =>
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return listener;
        }).ToList();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var listener in listeners) listener.Stop();
        return ports;
    }
}
