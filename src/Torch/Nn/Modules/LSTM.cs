using System.Globalization;
using static ActorCodistill.Torch.torch;

namespace ActorCodistill.Torch.Modules;

/// <summary>
/// Multi-layer LSTM over libtorch's fused at::lstm (the kernel nn.LSTM uses), with PyTorch's parameter names and
/// order per layer k: <c>weight_ih_lk</c> [4H, in], <c>weight_hh_lk</c> [4H, H], <c>bias_ih_lk</c>, <c>bias_hh_lk</c>
/// [4H]; all initialised uniform(-1/sqrt(H), 1/sqrt(H)) in that order. <see cref="forward"/> takes an optional
/// (h0, c0) and returns the final (h_n, c_n), each [num_layers, batch, H], so state can be carried across
/// batches (detach it first to truncate backpropagation). Unidirectional only.
/// </summary>
public sealed class LSTM : nn.Module
{
    private readonly Tensor[] _flatWeights;
    private readonly IntPtr[] _handles;

    public LSTM(long inputSize, long hiddenSize, long numLayers = 1, bool batchFirst = false, double dropout = 0,
        bool hasBias = true, Device? device = null, ScalarType? dtype = null)
        : base(nameof(LSTM))
    {
        if (inputSize <= 0 || hiddenSize <= 0 || numLayers <= 0)
            throw new ArgumentOutOfRangeException(nameof(inputSize), $"LSTM({inputSize}, {hiddenSize}, layers {numLayers}): sizes must be positive");
        if (dropout is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "LSTM: dropout must be in [0, 1]");
        input_size = inputSize;
        hidden_size = hiddenSize;
        num_layers = numLayers;
        batch_first = batchFirst;
        this.dropout = dropout;
        bias = hasBias;

        var weights = new List<Tensor>();
        var gates = 4 * hiddenSize;
        for (var layer = 0; layer < numLayers; layer++)
        {
            var inSize = layer == 0 ? inputSize : hiddenSize;
            var suffix = "_l" + layer.ToString(CultureInfo.InvariantCulture);
            weights.Add(register_parameter("weight_ih" + suffix, nn.NewParameter(new[] { gates, inSize }, dtype, device)));
            weights.Add(register_parameter("weight_hh" + suffix, nn.NewParameter(new[] { gates, hiddenSize }, dtype, device)));
            if (hasBias)
            {
                weights.Add(register_parameter("bias_ih" + suffix, nn.NewParameter(new[] { gates }, dtype, device)));
                weights.Add(register_parameter("bias_hh" + suffix, nn.NewParameter(new[] { gates }, dtype, device)));
            }
        }
        var stdv = 1 / Math.Sqrt(hiddenSize);
        foreach (var w in weights) nn.init.uniform_(w, -stdv, stdv);
        _flatWeights = weights.ToArray();
        _handles = new IntPtr[_flatWeights.Length];
    }

    public long input_size { get; }
    public long hidden_size { get; }
    public long num_layers { get; }
    public bool batch_first { get; }
    public double dropout { get; }
    public bool bias { get; }

    /// <summary>
    /// Input [batch, seq, in] (batch_first) or [seq, batch, in]. Without <paramref name="state"/> the initial state is
    /// zeros. Returns the top layer's outputs and the final (h_n, c_n).
    /// </summary>
    public (Tensor output, (Tensor h_n, Tensor c_n) state) forward(Tensor input, (Tensor h0, Tensor c0)? state = null)
    {
        const string op = "LSTM.forward";
        var x = Tensor.HandleOf(input, op);
        var h0 = state is { } s ? Tensor.HandleOf(s.h0, op) : IntPtr.Zero;
        var c0 = state is { } s2 ? Tensor.HandleOf(s2.c0, op) : IntPtr.Zero;
        lock (_handles)
        {
            for (var i = 0; i < _flatWeights.Length; i++) _handles[i] = _flatWeights[i].HandleFor(op);
            var status = NativeMethods.cdt_nn_lstm(x, h0, c0, _handles, _handles.Length, bias ? 1 : 0, num_layers, dropout,
                training ? 1 : 0, batch_first ? 1 : 0, out var output, out var hN, out var cN);
            GC.KeepAlive(input);
            GC.KeepAlive(state);
            GC.KeepAlive(_flatWeights);
            NativeMethods.Check(status, op);
            return (new Tensor(output), (new Tensor(hN), new Tensor(cN)));
        }
    }

    public (Tensor output, (Tensor h_n, Tensor c_n) state) call(Tensor input, (Tensor h0, Tensor c0)? state = null) => forward(input, state);
}
