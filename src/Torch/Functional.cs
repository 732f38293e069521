// TorchSharp-shaped lower-case type names (torch, nn, functional) are deliberate.
#pragma warning disable CS8981
namespace ActorCodistill.Torch;

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>How a loss reduces over elements. BatchMean (kl_div only) is the sum divided by the batch size.</summary>
        public enum Reduction
        {
            None = 0,
            Mean = 1,
            Sum = 2,
            BatchMean = 3,
        }

        /// <summary>Layers as functions (TorchSharp's torch.nn.functional). Losses are in Functional.Losses.cs.</summary>
        public static partial class functional
        {
            public static Tensor relu(Tensor x) => NotNull(x, "relu").relu();
            public static Tensor tanh(Tensor x) => NotNull(x, "tanh").tanh();
            public static Tensor sigmoid(Tensor x) => NotNull(x, "sigmoid").sigmoid();
            public static Tensor softmax(Tensor x, long dim) => NotNull(x, "softmax").softmax(dim);
            public static Tensor log_softmax(Tensor x, long dim) => NotNull(x, "log_softmax").log_softmax(dim);

            /// <summary>Zeroes elements with probability p and scales the rest by 1/(1-p) when training; identity otherwise.</summary>
            public static Tensor dropout(Tensor x, double p = 0.5, bool training = true)
            {
                if (p is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(p), p, "torch op 'dropout': p must be in [0, 1]");
                var status = NativeMethods.cdt_dropout(Tensor.HandleOf(x, "dropout"), p, training ? 1 : 0, out var r);
                GC.KeepAlive(x);
                return Tensor.Result(status, r, "dropout");
            }

            /// <summary>x @ weight^T + bias, with weight [out, in].</summary>
            public static Tensor linear(Tensor x, Tensor weight, Tensor? bias = null)
            {
                var status = NativeMethods.cdt_linear(Tensor.HandleOf(x, "linear"), Tensor.HandleOf(weight, "linear"),
                    Tensor.OptionalHandleOf(bias, "linear"), out var r);
                GC.KeepAlive(x);
                GC.KeepAlive(weight);
                GC.KeepAlive(bias);
                return Tensor.Result(status, r, "linear");
            }

            public static unsafe Tensor layer_norm(Tensor x, long[] normalized_shape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
            {
                ArgumentNullException.ThrowIfNull(normalized_shape);
                int status;
                IntPtr r;
                fixed (long* s = normalized_shape)
                    status = NativeMethods.cdt_layer_norm(Tensor.HandleOf(x, "layer_norm"), s, normalized_shape.Length,
                        Tensor.OptionalHandleOf(weight, "layer_norm"), Tensor.OptionalHandleOf(bias, "layer_norm"), eps, out r);
                GC.KeepAlive(x);
                GC.KeepAlive(weight);
                GC.KeepAlive(bias);
                return Tensor.Result(status, r, "layer_norm");
            }

            /// <summary>Rows of weight [num, dim] picked by int64 ids of any shape: result shape ids.shape + [dim].</summary>
            public static Tensor embedding(Tensor ids, Tensor weight)
            {
                var status = NativeMethods.cdt_embedding(Tensor.HandleOf(ids, "embedding"), Tensor.HandleOf(weight, "embedding"), out var r);
                GC.KeepAlive(ids);
                GC.KeepAlive(weight);
                return Tensor.Result(status, r, "embedding");
            }

            /// <summary>2-d convolution of x [N, C, H, W] with weight [out, C, kh, kw]; square stride and padding.</summary>
            public static Tensor conv2d(Tensor x, Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0)
                => conv2d(x, weight, bias, (stride, stride), (padding, padding));

            public static Tensor conv2d(Tensor x, Tensor weight, Tensor? bias, (long h, long w) stride, (long h, long w) padding)
            {
                var status = NativeMethods.cdt_conv2d(Tensor.HandleOf(x, "conv2d"), Tensor.HandleOf(weight, "conv2d"),
                    Tensor.OptionalHandleOf(bias, "conv2d"), stride.h, stride.w, padding.h, padding.w, out var r);
                GC.KeepAlive(x);
                GC.KeepAlive(weight);
                GC.KeepAlive(bias);
                return Tensor.Result(status, r, "conv2d");
            }

            /// <summary>Max over kernel x kernel windows; stride defaults to the kernel size (PyTorch's default).</summary>
            public static Tensor max_pool2d(Tensor x, long kernel_size, long? stride = null)
                => max_pool2d(x, (kernel_size, kernel_size), stride is { } s ? (s, s) : null);

            public static Tensor max_pool2d(Tensor x, (long h, long w) kernel_size, (long h, long w)? stride)
            {
                var st = stride ?? kernel_size;
                var status = NativeMethods.cdt_max_pool2d(Tensor.HandleOf(x, "max_pool2d"), kernel_size.h, kernel_size.w, st.h, st.w, out var r);
                GC.KeepAlive(x);
                return Tensor.Result(status, r, "max_pool2d");
            }

            private static Tensor NotNull(Tensor? x, string op)
                => x ?? throw new ArgumentNullException(nameof(x), $"torch op '{op}' was given a null tensor");
        }
    }
}
