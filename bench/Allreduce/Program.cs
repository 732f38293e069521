// Ring allreduce bus bandwidth over the cluster's TCP transport, the C# half of bench/run-allreduce.sh (the Gloo
// anchor, bench/anchors/allreduce_bench.cpp, is the other half; both time the same thing the same way).
//
//   launcher: dotnet ActorCodistill.Bench.Allreduce.dll --world 2,3,4 --sizes 4M,64M --budget 2 [--csv]
//             [--checksums (off by default, as remote.bulk-checksums)] [--chunk-kib 1024] [--window 16] [--segment-kib 1024 (0: whole chunks, copied)]
//   member:   dotnet ActorCodistill.Bench.Allreduce.dll --member R --world N --ports P0,P1,..  (started by the launcher;
//             the shared secret comes from CODISTILL_SECRET, never the command line)
//
// Per world size N the launcher starts N member processes and drives them over their stdin/stdout; a command is
// answered by every member before the next goes out, which makes each command a barrier. Per buffer size, as the
// anchor: barrier -> warm-up (>= 3 iterations, ~0.3 s) -> a rep count from the slowest member's warm-up time
// (>= 10, about --budget seconds) -> every iteration timed on its own on every member -> per-iteration time = max
// over members -> min / median / max; busbw = 2(N-1)/N x bytes / median (GB/s = 1e9 B/s). The result is verified
// once per N (every element of a 4 MiB buffer against the known sum) before anything is timed.
using ActorCodistill.Bench.Allreduce;
using ActorCodistill.Cluster.Remote;

var options = AllreduceOptions.Parse(args);
var settings = new RemoteSettings
{
    Hostname = "127.0.0.1",
    Secret = RemoteSettings.SecretFromEnvironment() ?? "",
    BulkChunkSize = options.ChunkKiB * 1024,
    BulkWindow = options.Window,
    MaxFrameSize = Math.Max(4 * 1024 * 1024, options.ChunkKiB * 1024 + 64),
    BulkChecksums = options.Checksums,
    // Large ring chunks: 64 MiB / 2 members = 32 MiB per transfer, well under this.
    MaxBulkTransferSize = 1L << 30,
};

if (options.Member is { } rank) return await Member.RunAsync(rank, options, settings);
return await Launcher.RunAsync(options, settings);
