// Bulk-channel throughput on loopback against a plain socket copy of the same bytes, measured in the same run.
// The plain copy is the ceiling: one TCP stream, 1 MiB writes, received straight into the destination buffer,
// one byte back at the end (as the transport's final ack). The transport adds framing, chunk acks, the credit
// window, and a checksum pass on each side.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ActorCodistill.Cluster.Remote;
using ActorCodistill.Cluster.Remote.Protocol;

var sizeMiB = Arg("--size-mib", 64);
var reps = Arg("--reps", 7);
var chunkKiB = Arg("--chunk-kib", 1024);
var window = Arg("--window", 16);
var checksums = !args.Contains("--no-checksum");
var size = sizeMiB * 1024 * 1024;

var settings = new RemoteSettings
{
    Secret = "benchmark-secret-0123456789",
    Hostname = "127.0.0.1",
    Port = 0,
    BulkChunkSize = chunkKiB * 1024,
    BulkWindow = window,
    MaxFrameSize = Math.Max(4 * 1024 * 1024, chunkKiB * 1024 + 64),
    BulkChecksums = checksums,
};
Console.WriteLine($"bench/Transport: payload {sizeMiB} MiB x {reps} reps (median), chunk {chunkKiB} KiB, window {window} chunks, loopback, " +
                  $"{Environment.ProcessorCount} cores, .NET {Environment.Version}");
Console.WriteLine($"settings: {settings}");

var payload = new byte[size];
new Random(1).NextBytes(payload);

var checksumSeconds = Median(Enumerable.Range(0, reps).Select(_ => Time(() => BulkChecksum.Compute(payload))).ToList());
Console.WriteLine($"checksum alone: {Rate(size, checksumSeconds),8:F0} MB/s");

var plain = new List<double>();
var transport = new List<double>();
var plainCpu = new List<double>();
var transportCpu = new List<double>();
var process = System.Diagnostics.Process.GetCurrentProcess();
await using (var receiver = new RemoteTransport(settings))
await using (var sender = new RemoteTransport(settings))
{
    var destination = new byte[size];
    var handler = new BenchHandler(destination);
    var address = receiver.Start(handler);
    sender.Start(handler);
    var endpoint = sender.GetOrConnect(address.Address);
    await endpoint.WhenAssociated();
    var header = new BulkHeader { Dtype = TensorDType.Float32, Shape = { size / 4 }, Manifest = "bench" };
    await endpoint.SendBulkAsync(header, payload); // warm-up: connection, JIT
    await PlainCopyAsync(payload, destination);
    // Interleave so both see the same machine load on these shared cores.
    for (var rep = 0; rep < reps; rep++)
    {
        var cpu = Cpu();
        var watch = Stopwatch.StartNew();
        await endpoint.SendBulkAsync(header, payload);
        transport.Add(watch.Elapsed.TotalSeconds);
        transportCpu.Add(Cpu() - cpu);
        cpu = Cpu();
        plain.Add(await PlainCopyAsync(payload, destination));
        plainCpu.Add(Cpu() - cpu);
    }
    if (!destination.AsSpan().SequenceEqual(payload)) throw new InvalidOperationException("bulk payload corrupted");
}

var plainRate = Rate(size, Median(plain));
var transportRate = Rate(size, Median(transport));
Console.WriteLine($"plain socket copy : {plainRate,8:F0} MB/s  (min {Rate(size, plain.Max()):F0}, max {Rate(size, plain.Min()):F0})");
Console.WriteLine($"bulk channel      : {transportRate,8:F0} MB/s  (min {Rate(size, transport.Max()):F0}, max {Rate(size, transport.Min()):F0})");
Console.WriteLine($"ratio bulk/plain  : {transportRate / plainRate:F2}  (goal >= 0.80)");
// On a shared, oversubscribed machine wall time mostly measures the neighbours; CPU seconds per byte do not.
Console.WriteLine($"cpu per GB        : plain {Median(plainCpu) / size * 1e9:F3} s, bulk {Median(transportCpu) / size * 1e9:F3} s, ratio plain/bulk {Median(plainCpu) / Median(transportCpu):F2}");
return 0;

int Arg(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1]) : fallback;
}

double Cpu()
{
    process.Refresh();
    return process.TotalProcessorTime.TotalSeconds;
}

static double Rate(long bytes, double seconds) => bytes / seconds / 1e6;

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

static double Time(Action action)
{
    var watch = Stopwatch.StartNew();
    action();
    return watch.Elapsed.TotalSeconds;
}

static async Task<double> PlainCopyAsync(byte[] source, byte[] destination)
{
    using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
    listener.Listen(1);
    using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    var accept = listener.AcceptAsync();
    await client.ConnectAsync(listener.LocalEndPoint!);
    using var server = await accept;
    server.NoDelay = true;

    var watch = Stopwatch.StartNew();
    var receive = Task.Run(async () =>
    {
        var received = 0;
        while (received < destination.Length)
        {
            var n = await server.ReceiveAsync(destination.AsMemory(received), SocketFlags.None);
            if (n == 0) throw new IOException("plain copy: sender closed early");
            received += n;
        }
        await server.SendAsync(new byte[1], SocketFlags.None);
    });
    for (var offset = 0; offset < source.Length; offset += 1024 * 1024)
    {
        await client.SendAsync(source.AsMemory(offset, Math.Min(1024 * 1024, source.Length - offset)), SocketFlags.None);
    }
    await client.ReceiveAsync(new byte[1], SocketFlags.None);
    await receive;
    return watch.Elapsed.TotalSeconds;
}

internal sealed class BenchHandler(byte[] destination) : IInboundHandler
{
    public void OnControl(UniqueRemoteAddress from, Envelope envelope)
    {
    }

    public void OnBulk(UniqueRemoteAddress from, BulkPayload payload) => payload.Dispose();

    // Received straight into a preallocated buffer, as a worker receives weights into its teacher's tensors.
    public Memory<byte>? ProvideBulkBuffer(UniqueRemoteAddress from, BulkHeader header) => destination;
}
