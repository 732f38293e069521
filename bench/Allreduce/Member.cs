using System.Globalization;
using System.Runtime;
using ActorCodistill.Cluster.Remote;

namespace ActorCodistill.Bench.Allreduce;

/// <summary>
/// A member process: connects to its successor, then answers the launcher's commands, one line each on stdin,
/// with one line each on stdout (diagnostics go to stderr):
/// <c>verify FLOATS</c> -> <c>ok</c>; <c>run FLOATS COUNT</c> -> <c>times T1,T2,..</c> (seconds); <c>quit</c>.
/// </summary>
internal static class Member
{
    public static async Task<int> RunAsync(int rank, AllreduceOptions options, RemoteSettings settings)
    {
        var world = options.Worlds.Single();
        if (options.Ports.Count != world) throw new ArgumentException($"member {rank}: --ports lists {options.Ports.Count} ports for a world of {world}");
        await using var member = new RingMember(rank, world, options.Ports, settings, options.SegmentKiB);
        using (var connect = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            await member.WhenConnected(connect.Token);
        Console.WriteLine("ready");
        var buffers = new Dictionary<int, float[]>();
        while (Console.ReadLine() is { } line)
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (parts[0])
            {
                case "verify":
                {
                    var floats = int.Parse(parts[1], CultureInfo.InvariantCulture);
                    member.PrepareFor(floats);
                    var buffer = new float[floats];
                    // Small integers: every partial sum is exact in float32, so equality is the right test.
                    for (var i = 0; i < floats; i++) buffer[i] = (rank + 1) * (1 + i % 7);
                    await member.AllreduceAsync(buffer, CancellationToken.None);
                    var total = world * (world + 1) / 2;
                    for (var i = 0; i < floats; i++)
                    {
                        if (buffer[i] != total * (1 + i % 7))
                        {
                            Console.WriteLine($"fail element {i} is {buffer[i]}, expected {total * (1 + i % 7)}");
                            return 3;
                        }
                    }
                    Console.WriteLine("ok");
                    break;
                }
                case "run":
                {
                    var floats = int.Parse(parts[1], CultureInfo.InvariantCulture);
                    var count = int.Parse(parts[2], CultureInfo.InvariantCulture);
                    member.PrepareFor(floats);
                    if (!buffers.TryGetValue(floats, out var buffer))
                    {
                        // Zeros, as the anchor: sums stay finite and free of denormals however many iterations run.
                        buffers.Clear();
                        buffers[floats] = buffer = new float[floats];
                        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
                        GC.Collect();
                    }
                    var cpu0 = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
                    var gc0 = GC.CollectionCount(0);
                    var times = await member.TimeAsync(buffer, count, CancellationToken.None);
                    if (Environment.GetEnvironmentVariable("BENCH_CPU") == "1")
                        Console.Error.WriteLine($"# rank {rank} {floats * 4L >> 20} MiB: cpu {(System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds / count:F1} ms/iteration, gen0 GCs {GC.CollectionCount(0) - gc0} in {count}, median {times.Order().ElementAt(count / 2) * 1e3:F1} ms");
                    Console.WriteLine("times " + string.Join(',', times.Select(t => t.ToString("R", CultureInfo.InvariantCulture))));
                    break;
                }
                case "quit":
                    return 0;
                default:
                    throw new ArgumentException($"member {rank}: unknown command '{line}'");
            }
        }
        return 0;
    }
}
