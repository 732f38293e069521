using static ActorCodistill.Torch.torch;

namespace ActorCodistill.Torch.Modules;

public sealed class ReLU : nn.Module<Tensor, Tensor>
{
    public ReLU() : base(nameof(ReLU)) { }

    public override Tensor forward(Tensor input) => nn.functional.relu(input);
}
