using static ActorCodistill.Torch.torch;

namespace ActorCodistill.Torch.Modules;

/// <summary>
/// Runs its children in the order given. Parameter names follow PyTorch: "<c>0.weight</c>", "<c>1.bias</c>" for
/// unnamed children, or the given names. Intermediate results are disposed as soon as the next layer has used them
/// (they stay alive in the autograd graph as long as backward needs them), so a deep stack does not pile up wrappers.
/// </summary>
public sealed class Sequential : nn.Module<Tensor, Tensor>
{
    private readonly List<nn.Module<Tensor, Tensor>> _layers = new();

    public Sequential(params (string name, nn.Module<Tensor, Tensor> module)[] layers) : base(nameof(Sequential))
    {
        foreach (var (name, module) in layers) _layers.Add(register_module(name, module));
    }

    public Sequential(params nn.Module<Tensor, Tensor>[] layers) : base(nameof(Sequential))
    {
        for (var i = 0; i < layers.Length; i++) _layers.Add(register_module(i.ToString(System.Globalization.CultureInfo.InvariantCulture), layers[i]));
    }

    public int Count => _layers.Count;

    public nn.Module<Tensor, Tensor> this[int index] => _layers[index];

    public override Tensor forward(Tensor input)
    {
        var x = input;
        foreach (var layer in _layers)
        {
            var next = layer.forward(x);
            if (!ReferenceEquals(x, input) && !ReferenceEquals(x, next)) x.Dispose();
            x = next;
        }
        return x;
    }
}
