using System.Buffers.Binary;
using System.Numerics;
using ActorCodistill.Coordinator.Embedded;
using ActorCodistill.Coordinator.Reporting;
using ActorCodistill.Coordinator.Tests.Distributed;
using Google.Protobuf;

namespace ActorCodistill.Coordinator.Tests.Reporting;

/// <summary>
/// A run writes TensorBoard event files beside metrics.jsonl (issue 20): read back here with a reader of our own (the
/// TFRecord framing: length, masked CRC-32C of the length, the Event protobuf, masked CRC-32C of the data), every record's
/// checksums hold, and each group's scalars are the run's metrics: loss/train at every step, loss/validation at every
/// evaluation, with the same values (float) as metrics.jsonl.
/// </summary>
[Trait("Category", "Integration")]
public sealed class TensorBoardFilesTests
{
    private sealed record Scalar(string Tag, long Step, float Value);

    [Fact]
    public void ARun_WritesTensorBoardFiles_WhoseRecordsCheckOut_AndHoldItsMetrics()
    {
        var logDir = Path.Combine(Path.GetTempPath(), "codistill-tensorboard-" + Guid.NewGuid().ToString("N")[..8]);
        var configPath = ClusterRunTests.TinyClusterConfig(logDir, ClusterRunTests.FreePort(),
            "training { steps = 12, burn-in-steps = 4, eval-interval = 6, print-every = 12 }");
        try
        {
            var result = TrainCommand.Run(new TrainCommand.Options(configPath, false, new Dictionary<string, string?>(), "tb"), TextWriter.Null);
            var metrics = MetricsReader.Read(result.RunDirectory);
            var groups = metrics.Train.Select(t => t.Group).Distinct().Order().ToList();
            Assert.Equal(2, groups.Count);
            foreach (var group in groups)
            {
                var folder = Path.Combine(result.RunDirectory, TensorBoardWriter.Folder, $"group-{group}");
                var files = Directory.GetFiles(folder, "events.out.tfevents.*");
                Assert.NotEmpty(files);
                var events = files.SelectMany(ReadRecords).Select(ParseEvent).ToList();
                Assert.Contains(events, e => e.FileVersion == "brain.Event:2");
                var scalars = events.SelectMany(e => e.Scalars).ToList();

                var train = metrics.Train.Where(t => t.Group == group).OrderBy(t => t.Step).ToList();
                var loss = scalars.Where(s => s.Tag == "loss/train").OrderBy(s => s.Step).ToList();
                Assert.Equal(train.Select(t => t.Step), loss.Select(s => s.Step));
                Assert.Equal(train.Select(t => (float)t.Loss), loss.Select(s => s.Value));
                var eval = metrics.Eval.Where(e => e.Group == group).OrderBy(e => e.Step).ToList();
                Assert.NotEmpty(eval);
                Assert.Equal(eval.Select(e => (e.Step, (float)e.ValLoss)),
                    scalars.Where(s => s.Tag == "loss/validation").OrderBy(s => s.Step).Select(s => (s.Step, s.Value)));
                // Distillation switches on after burn-in: its loss is there only from then on.
                Assert.Equal(train.Where(t => t.DistillOn).Select(t => t.Step), scalars.Where(s => s.Tag == "loss/distill").Select(s => s.Step).Order());
            }
        }
        finally
        {
            try { Directory.Delete(logDir, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public void AFlippedByte_FailsTheRecordsChecksum()
    {
        var folder = Path.Combine(Path.GetTempPath(), "codistill-tensorboard-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using (var writer = new TensorBoardWriter(folder))
                writer.Append(new EvalRecord(3, 0, 2.5, 1.0));
            var file = Directory.GetFiles(Path.Combine(folder, TensorBoardWriter.Folder, "group-0"), "events.out.tfevents.*").Single();
            Assert.Contains(ReadRecords(file).Select(ParseEvent).SelectMany(e => e.Scalars), s => s is { Tag: "loss/validation", Step: 3, Value: 2.5f });
            var bytes = File.ReadAllBytes(file);
            bytes[^6] ^= 0x40;
            File.WriteAllBytes(file, bytes);
            Assert.Throws<InvalidDataException>(() => ReadRecords(file).ToList());
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>TFRecord framing: u64 length, u32 masked CRC-32C of those 8 bytes, the data, u32 masked CRC-32C of the data.</summary>
    private static IEnumerable<byte[]> ReadRecords(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var at = 0;
        while (at < bytes.Length)
        {
            if (bytes.Length - at < 12) throw new InvalidDataException($"{path}: {bytes.Length - at} bytes left, a record head needs 12");
            var length = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at));
            if (MaskedCrc(bytes.AsSpan(at, 8)) != BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 8)))
                throw new InvalidDataException($"{path}: bad length checksum at {at}");
            var data = bytes.AsSpan(at + 12, checked((int)length));
            if (MaskedCrc(data) != BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 12 + (int)length)))
                throw new InvalidDataException($"{path}: bad data checksum at {at}");
            yield return data.ToArray();
            at += 12 + (int)length + 4;
        }
    }

    private static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data) crc = BitOperations.Crc32C(crc, b);
        crc = ~crc;
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }

    private sealed record Event(string? FileVersion, List<Scalar> Scalars);

    // tensorflow.Event: 1 wall_time (double), 2 step (int64), 3 file_version (string), 5 summary (Summary { repeated
    // Value value = 1 }, Value { 1 tag, 2 simple_value (float) }).
    private static Event ParseEvent(byte[] data)
    {
        var input = new CodedInputStream(data);
        long step = 0;
        string? version = null;
        var values = new List<(string Tag, float? Value)>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 2: step = input.ReadInt64(); break;
                case 3: version = input.ReadString(); break;
                case 5:
                    var summary = new CodedInputStream(input.ReadBytes().ToByteArray());
                    uint s;
                    while ((s = summary.ReadTag()) != 0)
                    {
                        if (WireFormat.GetTagFieldNumber(s) != 1) { summary.SkipLastField(); continue; }
                        var value = new CodedInputStream(summary.ReadBytes().ToByteArray());
                        string name = "";
                        float? simple = null;
                        uint v;
                        while ((v = value.ReadTag()) != 0)
                        {
                            switch (WireFormat.GetTagFieldNumber(v))
                            {
                                case 1: name = value.ReadString(); break;
                                case 2: simple = value.ReadFloat(); break;
                                default: value.SkipLastField(); break;
                            }
                        }
                        values.Add((name, simple));
                    }
                    break;
                default: input.SkipLastField(); break;
            }
        }
        return new Event(version, values.Where(v => v.Value is not null).Select(v => new Scalar(v.Tag, step, v.Value!.Value)).ToList());
    }
}
