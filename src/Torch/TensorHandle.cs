using System.Runtime.InteropServices;

namespace ActorCodistill.Torch;

/// <summary>Owns one native at::Tensor handle; freeing it drops libtorch's reference.</summary>
internal sealed class TensorHandle : SafeHandle
{
    public TensorHandle(IntPtr handle) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle() => NativeMethods.cdt_tensor_free(handle) == 0;
}
