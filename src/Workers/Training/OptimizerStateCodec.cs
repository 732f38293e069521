using System.Text;
using TorchSharp;
using TorchSharp.Modules;

namespace ActorCodistill.Workers.Training;

/// <summary>
/// Optimizer state as bytes, so a group can hand its last state to a replacement worker (and, across nodes, send it)
/// and a recovery checkpoint can keep it. Layout: a header of ours (magic, the optimizer's type, each parameter's shape,
/// little-endian), then TorchSharp's own <c>save_state_dict</c> bytes. The header lets a load refuse, by name, a state
/// of another optimizer or another model before TorchSharp reads a byte of it.
/// </summary>
public static class OptimizerStateCodec
{
    private const string Magic = "CDOPT02";

    public static byte[] Save(OptimizerHelper optimizer)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(optimizer.GetType().Name);
            var shapes = Shapes(optimizer);
            w.Write(shapes.Count);
            foreach (var shape in shapes)
            {
                w.Write(shape.Length);
                foreach (var d in shape) w.Write(d);
            }
            optimizer.save_state_dict(w);
        }
        return stream.ToArray();
    }

    public static void Load(OptimizerHelper optimizer, byte[] bytes, string source = "optimizer state")
    {
        using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        try
        {
            if (r.ReadString() != Magic)
                throw new InvalidDataException($"{source}: not an optimizer state of this version (bad magic; states written before TorchSharp do not load)");
            var kind = r.ReadString();
            // A fused optimizer keeps its base's state (a state of TorchSharp's Adam loads into FusedAdam).
            if (kind != optimizer.GetType().Name && kind != optimizer.GetType().BaseType?.Name)
                throw new InvalidDataException($"{source}: a state of {kind}, the job trains with {optimizer.GetType().Name}");
            var expected = Shapes(optimizer);
            var count = r.ReadInt32();
            if (count != expected.Count)
                throw new InvalidDataException($"{source}: state of {count} parameters, the model has {expected.Count}");
            for (var i = 0; i < count; i++)
            {
                var shape = new long[r.ReadInt32()];
                for (var k = 0; k < shape.Length; k++) shape[k] = r.ReadInt64();
                if (!shape.AsSpan().SequenceEqual(expected[i]))
                    throw new InvalidDataException(
                        $"{source}: parameter {i} has shape [{string.Join(", ", shape)}] in the state, [{string.Join(", ", expected[i])}] in the model");
            }
            optimizer.load_state_dict(AsOwnType(r, optimizer, kind));
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{source}: truncated optimizer state");
        }
        catch (Exception e) when (e is not InvalidDataException)
        {
            throw new InvalidDataException($"{source}: TorchSharp could not load the optimizer state: {e.Message}", e);
        }
    }

    /// <summary>
    /// TorchSharp's bytes, read on from <paramref name="r"/>. They open with the optimizer's type name, which TorchSharp
    /// checks; a state of the base type (TorchSharp's Adam, saved before the fused one existed) gets the fused type's
    /// name, since its layout is the base's.
    /// </summary>
    private static BinaryReader AsOwnType(BinaryReader r, OptimizerHelper optimizer, string kind)
    {
        var own = optimizer.GetType().Name;
        if (kind == own) return r;
        var start = r.BaseStream.Position;
        if (r.ReadString() != kind) { r.BaseStream.Position = start; return r; }
        var renamed = new MemoryStream();
        using (var w = new BinaryWriter(renamed, Encoding.UTF8, leaveOpen: true)) w.Write(own);
        r.BaseStream.CopyTo(renamed);
        renamed.Position = 0;
        return new BinaryReader(renamed, Encoding.UTF8);
    }

    private static List<long[]> Shapes(OptimizerHelper optimizer) => optimizer.parameters().Select(p => p.shape).ToList();
}
