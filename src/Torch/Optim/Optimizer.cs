// torch/optim are lower-case on purpose (TorchSharp names).
#pragma warning disable CS8981
namespace ActorCodistill.Torch;

public static partial class torch
{
    public static partial class optim
    {
        /// <summary>
        /// Base of the optimizers: a fixed list of parameters, per-parameter state tensors it owns, and a
        /// <see cref="step"/> that updates every parameter in ONE native call (the math lives in native/optim.cpp).
        /// Parameters whose grad is missing are skipped, as in PyTorch. Not thread-safe: one training thread.
        /// </summary>
        public abstract class Optimizer : IDisposable
        {
            private readonly Tensor[] _parameters;
            private readonly IntPtr[] _handles;
            private bool _disposed;

            protected Optimizer(string name, IEnumerable<Tensor> parameters, double lr)
            {
                ArgumentNullException.ThrowIfNull(parameters);
                Name = name;
                _parameters = parameters.ToArray();
                if (_parameters.Length == 0) throw new ArgumentException($"{name}: got an empty parameter list", nameof(parameters));
                if (_parameters.Distinct().Count() != _parameters.Length)
                    throw new ArgumentException($"{name}: a parameter appears more than once", nameof(parameters));
                if (!(lr >= 0)) throw new ArgumentOutOfRangeException(nameof(lr), lr, $"{name}: learning rate must be >= 0");
                _handles = new IntPtr[_parameters.Length];
                LearningRate = lr;
            }

            public string Name { get; }

            public double LearningRate { get; set; }

            public IReadOnlyList<Tensor> Parameters => _parameters;

            protected int Count => _parameters.Length;

            /// <summary>Applies one update to every parameter that has a gradient.</summary>
            public abstract void step();

            /// <summary>Zeroes (PyTorch 1.13's default) or drops every parameter's gradient, in one native call.</summary>
            public void zero_grad(bool set_to_none = false) => nn.Module.ZeroGrad(_parameters, set_to_none);

            /// <summary>A copy of the optimizer's state (hyperparameters, per-parameter step counts and state tensors).</summary>
            public abstract OptimizerState state_dict();

            /// <summary>Restores a state taken from an optimizer of the same kind over parameters of the same shapes.</summary>
            public abstract void load_state_dict(OptimizerState state);

            /// <summary>Current native handles of the parameters (a disposed parameter fails here, naming the op).</summary>
            protected IntPtr[] ParameterHandles(string op)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                for (var i = 0; i < _parameters.Length; i++) _handles[i] = _parameters[i].HandleFor(op);
                return _handles;
            }

            protected void KeepParametersAlive() => GC.KeepAlive(_parameters);

            /// <summary>One state tensor per parameter, filled with <paramref name="value"/>, made in one native call.</summary>
            protected Tensor[] NewState(double value)
            {
                var output = new IntPtr[_parameters.Length];
                var status = NativeMethods.cdt_optim_state_like(ParameterHandles("optimizer state"), _parameters.Length, value, output);
                KeepParametersAlive();
                NativeMethods.Check(status, $"{Name} state");
                return output.Select(h => new Tensor(h).DetachFromDisposeScope()).ToArray();
            }

            protected static IntPtr[] Handles(Tensor[] tensors, string op)
            {
                var handles = new IntPtr[tensors.Length];
                for (var i = 0; i < tensors.Length; i++) handles[i] = tensors[i].HandleFor(op);
                return handles;
            }

            /// <summary>Checks a saved state against this optimizer: kind, parameter count, state names and shapes.</summary>
            protected void Validate(OptimizerState state, params string[] tensorNames)
            {
                ArgumentNullException.ThrowIfNull(state);
                if (state.Optimizer != Name)
                    throw new ArgumentException($"{Name}.load_state_dict: the state was saved by {state.Optimizer}", nameof(state));
                if (state.Parameters.Count != _parameters.Length)
                    throw new ArgumentException($"{Name}.load_state_dict: the state has {state.Parameters.Count} parameters, this optimizer {_parameters.Length}", nameof(state));
                for (var i = 0; i < _parameters.Length; i++)
                {
                    foreach (var name in tensorNames)
                    {
                        if (!state.Parameters[i].Tensors.TryGetValue(name, out var t))
                            throw new ArgumentException($"{Name}.load_state_dict: parameter {i} has no '{name}' state", nameof(state));
                        if (!t.shape.SequenceEqual(_parameters[i].shape))
                            throw new ArgumentException(
                                $"{Name}.load_state_dict: parameter {i} '{name}' has shape [{string.Join(", ", t.shape)}], the parameter [{string.Join(", ", _parameters[i].shape)}]",
                                nameof(state));
                    }
                }
            }

            /// <summary>Copies a saved tensor into an owned state tensor (in place; shapes were validated).</summary>
            protected static void CopyInto(Tensor target, Tensor source)
            {
                var status = NativeMethods.cdt_nn_copy_no_grad_(target.HandleFor("load_state_dict"), source.HandleFor("load_state_dict"));
                GC.KeepAlive(target);
                GC.KeepAlive(source);
                NativeMethods.Check(status, "optimizer load_state_dict");
            }

            /// <summary>Clones of the state tensors, out of any dispose scope (the saved state owns them).</summary>
            protected static Tensor Save(Tensor t) => t.clone().DetachFromDisposeScope();

            public void Dispose()
            {
                if (_disposed) return;
                _disposed = true;
                DisposeState();
                GC.SuppressFinalize(this);
            }

            /// <summary>Disposes the state tensors the optimizer owns (never the parameters).</summary>
            protected abstract void DisposeState();
        }

        /// <summary>
        /// A snapshot of an optimizer: its kind, hyperparameters and, per parameter (in the optimizer's order), the step
        /// count and named state tensors (owned by the snapshot; dispose it when done).
        /// </summary>
        public sealed class OptimizerState : IDisposable
        {
            public OptimizerState(string optimizer, IReadOnlyDictionary<string, double> hyperparameters, IReadOnlyList<ParameterState> parameters)
            {
                Optimizer = optimizer;
                Hyperparameters = hyperparameters;
                Parameters = parameters;
            }

            public string Optimizer { get; }
            public IReadOnlyDictionary<string, double> Hyperparameters { get; }
            public IReadOnlyList<ParameterState> Parameters { get; }

            public void Dispose()
            {
                foreach (var p in Parameters)
                    foreach (var t in p.Tensors.Values) t.Dispose();
            }
        }

        /// <summary>One parameter's optimizer state: its step count and tensors (momentum_buffer, exp_avg, exp_avg_sq, sum).</summary>
        public sealed record ParameterState(long Step, IReadOnlyDictionary<string, Tensor> Tensors);

        public static Modules.SGD SGD(IEnumerable<Tensor> parameters, double lr, double momentum = 0, double dampening = 0,
            double weight_decay = 0, bool nesterov = false)
            => new(parameters, lr, momentum, dampening, weight_decay, nesterov);

        public static Modules.Adam Adam(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
            double eps = 1e-8, double weight_decay = 0)
            => new(parameters, lr, beta1, beta2, eps, weight_decay);

        public static Modules.Adagrad Adagrad(IEnumerable<Tensor> parameters, double lr = 1e-2, double lr_decay = 0, double weight_decay = 0,
            double initial_accumulator_value = 0, double eps = 1e-10)
            => new(parameters, lr, lr_decay, weight_decay, initial_accumulator_value, eps);
    }
}
