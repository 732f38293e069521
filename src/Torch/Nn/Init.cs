// torch/nn/init are lower-case on purpose (TorchSharp names).
#pragma warning disable CS8981
namespace ActorCodistill.Torch;

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>
        /// PyTorch's initialisers (torch.nn.init), in place on the default generator, so that after
        /// <c>torch.manual_seed(s)</c> a module draws the same numbers in the same order as Python's
        /// reset_parameters.
        /// </summary>
        public static class init
        {
            public static Tensor uniform_(Tensor tensor, double low = 0, double high = 1)
                => Run(tensor, NativeMethods.cdt_nn_init_uniform_(tensor.HandleFor("init.uniform_"), low, high), "init.uniform_");

            public static Tensor normal_(Tensor tensor, double mean = 0, double std = 1)
                => Run(tensor, NativeMethods.cdt_nn_init_normal_(tensor.HandleFor("init.normal_"), mean, std), "init.normal_");

            public static Tensor constant_(Tensor tensor, double value)
                => Run(tensor, NativeMethods.cdt_nn_init_fill_(tensor.HandleFor("init.constant_"), value), "init.constant_");

            public static Tensor ones_(Tensor tensor) => constant_(tensor, 1);

            public static Tensor zeros_(Tensor tensor) => constant_(tensor, 0);

            /// <summary>
            /// kaiming_uniform_ with PyTorch's arithmetic (gain sqrt(2/(1+a^2)), bound sqrt(3)*gain/sqrt(fan_in)); with
            /// a = sqrt(5), as Linear and Conv2d use, the bound is 1/sqrt(fan_in).
            /// </summary>
            public static Tensor kaiming_uniform_(Tensor tensor, double a, long fanIn)
            {
                var gain = Math.Sqrt(2.0 / (1 + a * a));
                var bound = Math.Sqrt(3.0) * (gain / Math.Sqrt(fanIn));
                return uniform_(tensor, -bound, bound);
            }

            private static Tensor Run(Tensor tensor, int status, string op)
            {
                GC.KeepAlive(tensor);
                NativeMethods.Check(status, op);
                return tensor;
            }
        }

        /// <summary>A new parameter of the given shape (uninitialised; the layer initialises it).</summary>
        internal static Tensor NewParameter(long[] shape, ScalarType? dtype, Device? device)
            => empty(shape, dtype ?? ScalarType.Float32, device).requires_grad_(true);
    }
}
