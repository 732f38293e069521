namespace ActorCodistill.Torch;

/// <summary>A libtorch call failed. <see cref="Op"/> names the operation; the message carries libtorch's text.</summary>
public sealed class TorchException : Exception
{
    public TorchException(string op, string nativeMessage)
        : base($"torch op '{op}' failed: {nativeMessage.Trim()}")
    {
        Op = op;
        NativeMessage = nativeMessage;
    }

    public string Op { get; }
    public string NativeMessage { get; }
}
