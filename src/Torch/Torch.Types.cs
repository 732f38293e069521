// TorchSharp-shaped lower-case type names (torch, nn, functional) are deliberate.
#pragma warning disable CS8981
namespace ActorCodistill.Torch;

public static partial class torch
{
    /// <summary>Element types. The numeric codes are shared with native/shim.h (dtype_of / code_of).</summary>
    public enum ScalarType
    {
        Float32 = 0,
        Float16 = 1,
        Int64 = 2,
        Float64 = 3,
        Bool = 4,
        Int32 = 5,
        Byte = 6,
    }

    public const ScalarType float32 = ScalarType.Float32;
    public const ScalarType @float = ScalarType.Float32;
    public const ScalarType float16 = ScalarType.Float16;
    public const ScalarType half = ScalarType.Float16;
    public const ScalarType int64 = ScalarType.Int64;
    public const ScalarType @long = ScalarType.Int64;
    public const ScalarType float64 = ScalarType.Float64;
    public const ScalarType @double = ScalarType.Float64;
    public const ScalarType @bool = ScalarType.Bool;
    public const ScalarType int32 = ScalarType.Int32;
    public const ScalarType uint8 = ScalarType.Byte;

    /// <summary>The dtype that holds a managed element type T; the JIT folds this to a constant per T.</summary>
    internal static ScalarType DTypeOf<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return ScalarType.Float32;
        if (typeof(T) == typeof(Half)) return ScalarType.Float16;
        if (typeof(T) == typeof(long)) return ScalarType.Int64;
        if (typeof(T) == typeof(double)) return ScalarType.Float64;
        if (typeof(T) == typeof(bool)) return ScalarType.Bool;
        if (typeof(T) == typeof(int)) return ScalarType.Int32;
        if (typeof(T) == typeof(byte)) return ScalarType.Byte;
        throw new NotSupportedException($"element type {typeof(T).Name} has no torch dtype (use float, Half, double, long, int, byte or bool)");
    }

    public enum DeviceType
    {
        CPU = 0,
        CUDA = 1,
    }

    /// <summary>
    /// Where a tensor lives: "cpu", "cuda" or "cuda:N". The Debian libtorch is CPU-only, so CUDA devices
    /// parse but tensors placed on them fail in libtorch with its own message; a CUDA build of the shim slots in unchanged.
    /// </summary>
    public sealed class Device : IEquatable<Device>
    {
        public Device(DeviceType type, int index = -1)
        {
            if (index < -1) throw new ArgumentOutOfRangeException(nameof(index), index, "device index must be -1 (default) or >= 0");
            Type = type;
            Index = index;
        }

        /// <summary>Parses "cpu", "cuda" or "cuda:N"; see <see cref="Parse"/>.</summary>
        public Device(string spec)
        {
            var parsed = Parse(spec);
            Type = parsed.Type;
            Index = parsed.Index;
        }

        public DeviceType Type { get; }

        /// <summary>-1 for the default device of the type.</summary>
        public int Index { get; }

        public static Device Parse(string spec)
        {
            ArgumentNullException.ThrowIfNull(spec);
            var s = spec.Trim().ToLowerInvariant();
            if (s == "cpu") return new Device(DeviceType.CPU);
            if (s == "cuda") return new Device(DeviceType.CUDA);
            if (s.StartsWith("cuda:", StringComparison.Ordinal)
                && int.TryParse(s.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index))
                return new Device(DeviceType.CUDA, index);
            throw new FormatException($"device '{spec}' is not understood: expected \"cpu\", \"cuda\" or \"cuda:N\"");
        }

        public bool Equals(Device? other) => other is not null && other.Type == Type && other.Index == Index;

        public override bool Equals(object? obj) => Equals(obj as Device);

        public override int GetHashCode() => HashCode.Combine(Type, Index);

        public override string ToString() => Type == DeviceType.CPU ? "cpu" : Index < 0 ? "cuda" : $"cuda:{Index}";

        public static bool operator ==(Device? a, Device? b) => a is null ? b is null : a.Equals(b);

        public static bool operator !=(Device? a, Device? b) => !(a == b);
    }

    public static readonly Device CPU = new(DeviceType.CPU);

    public static Device CUDA(int index = 0) => new(DeviceType.CUDA, index);
}
