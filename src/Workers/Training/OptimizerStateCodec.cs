using System.Text;
using ActorCodistill.Torch;
using static ActorCodistill.Torch.torch;

namespace ActorCodistill.Workers.Training;

/// <summary>
/// Optimizer state as bytes, so a group can hand its last state to a replacement worker (and, across
/// nodes, send it). Layout (little-endian): magic, optimizer name, hyperparameters, then per parameter
/// its step and named float32 tensors with their shapes.
/// </summary>
public static class OptimizerStateCodec
{
    private const string Magic = "CDOPT01";

    public static byte[] Save(optim.Optimizer optimizer)
    {
        using var state = optimizer.state_dict();
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(state.Optimizer);
            w.Write(state.Hyperparameters.Count);
            foreach (var (key, value) in state.Hyperparameters.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                w.Write(key);
                w.Write(value);
            }
            w.Write(state.Parameters.Count);
            foreach (var p in state.Parameters)
            {
                w.Write(p.Step);
                w.Write(p.Tensors.Count);
                foreach (var (name, t) in p.Tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    w.Write(name);
                    var shape = t.shape;
                    w.Write(shape.Length);
                    foreach (var d in shape) w.Write(d);
                    var data = t.to(ScalarType.Float32).ToArray<float>();
                    w.Write(data.Length);
                    w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
                }
            }
        }
        return stream.ToArray();
    }

    public static void Load(optim.Optimizer optimizer, byte[] bytes, string source = "optimizer state")
    {
        using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        try
        {
            if (r.ReadString() != Magic) throw new InvalidDataException($"{source}: not an optimizer state (bad magic)");
            var name = r.ReadString();
            var hyper = new Dictionary<string, double>();
            for (var i = r.ReadInt32(); i > 0; i--) hyper[r.ReadString()] = r.ReadDouble();
            var parameters = new List<optim.ParameterState>();
            for (var i = r.ReadInt32(); i > 0; i--)
            {
                var step = r.ReadInt64();
                var tensors = new Dictionary<string, Tensor>();
                for (var j = r.ReadInt32(); j > 0; j--)
                {
                    var key = r.ReadString();
                    var shape = new long[r.ReadInt32()];
                    for (var k = 0; k < shape.Length; k++) shape[k] = r.ReadInt64();
                    var data = new float[r.ReadInt32()];
                    r.Read(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
                    var t = tensor(data, shape);
                    t.DetachFromDisposeScope();
                    tensors[key] = t;
                }
                parameters.Add(new optim.ParameterState(step, tensors));
            }
            using var state = new optim.OptimizerState(name, hyper, parameters);
            optimizer.load_state_dict(state);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{source}: truncated optimizer state");
        }
    }
}
