using System.Runtime.InteropServices;

namespace ActorCodistill.Workers.Training;

/// <summary>
/// A worker's full state as one byte payload: its float32 weights, then its optimizer state. The one layout for the
/// bulk channel (<c>WorkerState</c>, <c>RestoreState</c>) and for recovery checkpoint files.
/// </summary>
public static class StatePayload
{
    public static byte[] Pack(float[] parameters, byte[] optimizerState)
    {
        var weights = MemoryMarshal.AsBytes(parameters.AsSpan());
        var payload = new byte[weights.Length + optimizerState.Length];
        weights.CopyTo(payload);
        optimizerState.CopyTo(payload.AsSpan(weights.Length));
        return payload;
    }

    /// <summary>Copies weights and optimizer state out of <paramref name="payload"/>; a payload too short for them is a <see cref="FormatException"/> naming <paramref name="source"/> (a garbled message, dropped by remoting).</summary>
    public static (float[] Parameters, byte[] OptimizerState) Unpack(ReadOnlySpan<byte> payload, int parameterCount, int optimizerBytes, string source)
    {
        var weightBytes = (long)parameterCount * sizeof(float);
        if (parameterCount < 0 || optimizerBytes < 0 || weightBytes + optimizerBytes > payload.Length)
            throw new FormatException($"{source}: payload of {payload.Length} bytes does not hold {parameterCount} weights and {optimizerBytes} bytes of optimizer state");
        var parameters = MemoryMarshal.Cast<byte, float>(payload[..(int)weightBytes]).ToArray();
        var optimizer = payload.Slice((int)weightBytes, optimizerBytes).ToArray();
        return (parameters, optimizer);
    }
}
