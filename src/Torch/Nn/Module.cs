// torch/nn/init are lower-case on purpose (TorchSharp names).
#pragma warning disable CS8981
using System.Text.RegularExpressions;

namespace ActorCodistill.Torch;

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>
        /// Base of every layer, shaped like PyTorch's nn.Module. Parameters, buffers and submodules are
        /// registered explicitly in the constructor and kept in registration order, so
        /// <see cref="named_parameters"/> is deterministic and uses PyTorch's dotted names
        /// (<c>lstm.weight_ih_l0</c>): own entries first, then each child's, recursively (pre-order).
        /// A module owns its parameters and buffers (they are taken out of every dispose scope) and
        /// disposes them, and its children, in <see cref="Dispose()"/>.
        /// </summary>
        public abstract partial class Module : IDisposable
        {
            private static readonly Regex ValidName = new("^[A-Za-z_][A-Za-z0-9_]*$|^[0-9]+$", RegexOptions.Compiled);

            private readonly List<KeyValuePair<string, Tensor>> _parameters = new();
            private readonly List<KeyValuePair<string, Tensor>> _buffers = new();
            private readonly List<KeyValuePair<string, Module>> _modules = new();
            private bool _disposed;

            protected Module(string name) => Name = name;

            /// <summary>The layer's type name (TorchSharp's GetName()), used in error messages.</summary>
            public string Name { get; }

            public string GetName() => Name;

            /// <summary>True in training mode (dropout active); see <see cref="train"/> and <see cref="eval"/>.</summary>
            public bool training { get; private set; } = true;

            /// <summary>Sets training mode on this module and every descendant; returns this.</summary>
            public Module train(bool mode = true)
            {
                training = mode;
                foreach (var child in _modules) child.Value.train(mode);
                return this;
            }

            public Module eval() => train(false);

            /// <summary>
            /// Registers a parameter under <paramref name="name"/> (the module takes ownership). Returns it, so a
            /// constructor can keep a typed field: <c>weight = register_parameter("weight", ...)</c>.
            /// </summary>
            public Tensor register_parameter(string name, Tensor parameter)
            {
                CheckNew(name, "parameter");
                ArgumentNullException.ThrowIfNull(parameter);
                parameter.DetachFromDisposeScope();
                _parameters.Add(new(name, parameter));
                return parameter;
            }

            /// <summary>Registers a tensor that is state but not trained (running statistics, offsets). Takes ownership.</summary>
            public Tensor register_buffer(string name, Tensor buffer)
            {
                CheckNew(name, "buffer");
                ArgumentNullException.ThrowIfNull(buffer);
                buffer.DetachFromDisposeScope();
                _buffers.Add(new(name, buffer));
                return buffer;
            }

            /// <summary>Registers a child module; its parameters appear as <c>name.child_parameter</c>.</summary>
            public TModule register_module<TModule>(string name, TModule module) where TModule : Module
            {
                CheckNew(name, "module");
                ArgumentNullException.ThrowIfNull(module);
                if (ReferenceEquals(module, this)) throw new ArgumentException($"{Name}: a module cannot be its own child", nameof(module));
                _modules.Add(new(name, module));
                return module;
            }

            private void CheckNew(string name, string kind)
            {
                if (string.IsNullOrEmpty(name) || !ValidName.IsMatch(name))
                    throw new ArgumentException($"{Name}: invalid {kind} name '{name}' (letters, digits and '_', no dots)", nameof(name));
                if (_parameters.Exists(p => p.Key == name) || _buffers.Exists(b => b.Key == name) || _modules.Exists(m => m.Key == name))
                    throw new ArgumentException($"{Name}: '{name}' is already registered", nameof(name));
            }

            /// <summary>Parameters with dotted names, in registration order (own first, then children, pre-order).</summary>
            public IEnumerable<(string name, Tensor parameter)> named_parameters(bool recurse = true)
            {
                foreach (var (prefix, module) in recurse ? named_modules() : new[] { ("", this) })
                    foreach (var p in module._parameters)
                        yield return (Join(prefix, p.Key), p.Value);
            }

            public IEnumerable<Tensor> parameters(bool recurse = true) => named_parameters(recurse).Select(p => p.parameter);

            public IEnumerable<(string name, Tensor buffer)> named_buffers(bool recurse = true)
            {
                foreach (var (prefix, module) in recurse ? named_modules() : new[] { ("", this) })
                    foreach (var b in module._buffers)
                        yield return (Join(prefix, b.Key), b.Value);
            }

            public IEnumerable<Tensor> buffers(bool recurse = true) => named_buffers(recurse).Select(b => b.buffer);

            /// <summary>This module (name "") and every descendant, pre-order, as PyTorch's named_modules.</summary>
            public IEnumerable<(string name, Module module)> named_modules()
            {
                yield return ("", this);
                foreach (var child in _modules)
                    foreach (var (name, module) in child.Value.named_modules())
                        yield return (Join(child.Key, name), module);
            }

            public IEnumerable<(string name, Module module)> named_children() => _modules.Select(m => (m.Key, m.Value));

            public IEnumerable<Module> children() => _modules.Select(m => m.Value);

            private static string Join(string prefix, string name) => prefix.Length == 0 ? name : name.Length == 0 ? prefix : $"{prefix}.{name}";

            /// <summary>
            /// Parameters then buffers of each module, pre-order, under PyTorch's names (PyTorch interleaves them per
            /// module the same way). Values are detached aliases sharing storage with the module's tensors: reading
            /// them sees later updates; disposing them (or their scope) leaves the module intact.
            /// </summary>
            public Dictionary<string, Tensor> state_dict()
            {
                var result = new Dictionary<string, Tensor>();
                foreach (var (prefix, module) in named_modules())
                {
                    foreach (var p in module._parameters) result.Add(Join(prefix, p.Key), p.Value.detach());
                    foreach (var b in module._buffers) result.Add(Join(prefix, b.Key), b.Value.detach());
                }
                return result;
            }

            /// <summary>
            /// Copies values into this module's parameters and buffers (in place, without autograd history, so
            /// optimizers holding them keep working). Shapes must match; with <paramref name="strict"/>, the key sets
            /// must match too. Returns the missing and unexpected keys (both empty when strict succeeds).
            /// </summary>
            public (IReadOnlyList<string> missing, IReadOnlyList<string> unexpected) load_state_dict(
                IReadOnlyDictionary<string, Tensor> source, bool strict = true)
            {
                ArgumentNullException.ThrowIfNull(source);
                var own = new Dictionary<string, Tensor>();
                foreach (var (name, p) in named_parameters()) own.Add(name, p);
                foreach (var (name, b) in named_buffers()) own.Add(name, b);
                var missing = own.Keys.Where(k => !source.ContainsKey(k)).ToList();
                var unexpected = source.Keys.Where(k => !own.ContainsKey(k)).ToList();
                if (strict && (missing.Count > 0 || unexpected.Count > 0))
                    throw new ArgumentException(
                        $"{Name}.load_state_dict: missing keys [{string.Join(", ", missing)}], unexpected keys [{string.Join(", ", unexpected)}]",
                        nameof(source));
                foreach (var (name, target) in own)
                {
                    if (!source.TryGetValue(name, out var value)) continue;
                    if (!target.shape.SequenceEqual(value.shape))
                        throw new ArgumentException(
                            $"{Name}.load_state_dict: '{name}' has shape [{string.Join(", ", value.shape)}] but the module's is [{string.Join(", ", target.shape)}]",
                            nameof(source));
                    var status = NativeMethods.cdt_nn_copy_no_grad_(target.HandleFor("load_state_dict"), value.HandleFor("load_state_dict"));
                    GC.KeepAlive(target);
                    GC.KeepAlive(value);
                    NativeMethods.Check(status, $"load_state_dict '{name}'");
                }
                return (missing, unexpected);
            }

            /// <summary>Zeroes (PyTorch 1.13's default) or drops every parameter's gradient, in one native call.</summary>
            public void zero_grad(bool set_to_none = false) => ZeroGrad(parameters().ToArray(), set_to_none);

            internal static void ZeroGrad(IReadOnlyList<Tensor> tensors, bool setToNone)
            {
                var handles = new IntPtr[tensors.Count];
                for (var i = 0; i < handles.Length; i++) handles[i] = tensors[i].HandleFor("zero_grad");
                var status = NativeMethods.cdt_nn_zero_grad(handles, handles.Length, setToNone ? 1 : 0);
                GC.KeepAlive(tensors);
                NativeMethods.Check(status, "zero_grad");
            }

            /// <summary>Converts every parameter and buffer in place (same handles, so optimizers stay valid); returns this.</summary>
            public Module to(ScalarType dtype) => Apply((int)dtype, -1, -1);

            public Module to(Device device) => Apply(-1, (int)device.Type, device.Index);

            public Module to(ScalarType dtype, Device device) => Apply((int)dtype, (int)device.Type, device.Index);

            private Module Apply(int dtype, int deviceType, int deviceIndex)
            {
                foreach (var t in parameters().Concat(buffers()))
                {
                    var status = NativeMethods.cdt_nn_set_data_to(t.HandleFor("Module.to"), dtype, deviceType, deviceIndex);
                    GC.KeepAlive(t);
                    NativeMethods.Check(status, $"{Name}.to");
                }
                return this;
            }

            public void Dispose()
            {
                Dispose(true);
                GC.SuppressFinalize(this);
            }

            protected virtual void Dispose(bool disposing)
            {
                if (_disposed || !disposing) return;
                _disposed = true;
                foreach (var p in _parameters) p.Value.Dispose();
                foreach (var b in _buffers) b.Value.Dispose();
                foreach (var m in _modules) m.Value.Dispose();
            }
        }

        /// <summary>A module with one input and one output; <see cref="call"/> runs <see cref="forward"/>.</summary>
        public abstract class Module<TIn, TOut> : Module
        {
            protected Module(string name) : base(name) { }

            public abstract TOut forward(TIn input);

            public TOut call(TIn input) => forward(input);
        }

        /// <summary>
        /// A trainable leaf sharing <paramref name="data"/>'s storage, with requires_grad set (TorchSharp's
        /// Parameter is a Tensor subclass; our Tensor is sealed, so this is a factory).
        /// </summary>
        public static Tensor Parameter(Tensor data, bool requires_grad = true)
        {
            ArgumentNullException.ThrowIfNull(data);
            return data.detach().requires_grad_(requires_grad);
        }
    }
}
