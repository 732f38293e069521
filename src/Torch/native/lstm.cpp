// The LSTM over flat weights (nn.LSTM's one native call). On the CPU in float32/float64 it runs its own per-layer
// loop, for inference and for training; elsewhere (CUDA, dropout between layers in training) it calls at::lstm.
//
// Why its own loop: at::lstm's CPU cell runs about a dozen small ATen ops per time step (gates chunked into strided
// views, each activated, multiplied and added on its own), and with autograd each of them records a node that the
// backward pass walks again. At the demo's sizes (16 streams, hidden 256, 32 steps) dispatch costs as much as the
// arithmetic. Here a layer is:
//   forward: the input projection of all steps as one GEMM; per step one GEMM into the gate buffer, one sigmoid over
//            all four gates and two plain loops around one tanh. The cell gate needs tanh, not sigmoid: its rows of
//            the projections are doubled (exact in floating point) so that tanh(a) = 2 sigmoid(2a) - 1 comes out of
//            the same sigmoid pass.
//   backward (training): one autograd node per layer (LstmLayerFunction). Per step, one loop turns dh and dc into
//            the four gate gradients and one GEMM carries dh to the previous step; the weight, bias and input
//            gradients are then three GEMMs and a sum over all steps at once.
// In float32 on a CPU with AVX2/FMA the per-step GEMMs are packed_gemm (packed_gemm.h) over the fixed matrix packed
// once per call; elsewhere at::addmm_out / at::mm_out.
#include "shim.h"
#include "packed_gemm.h"
#include <vector>

namespace {
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// out = c_in + a * b for a per-step GEMM whose b stays the same for every step (c_in undefined: out = a * b).
// All of a, c_in, out are contiguous [M, K], [M, N], [M, N]; b is [K, N].
class StepGemm {
 public:
  explicit StepGemm(at::Tensor b) : b_(b.contiguous()) {
    if (b_.scalar_type() == at::kFloat && cdt::packed_gemm_available()) packed_ = cdt::pack_b(b_);
  }

  void run(const at::Tensor& a, const at::Tensor& c_in, at::Tensor& out) const {
    if (!packed_.panels.defined()) {
      if (c_in.defined()) at::addmm_out(out, c_in, a, b_);
      else at::mm_out(out, a, b_);
      return;
    }
    if (!c_in.defined()) out.zero_();
    const at::Tensor& init = c_in.defined() ? c_in : out;
    cdt::packed_gemm(a.size(0), a.data_ptr<float>(), a.size(1), packed_, init.data_ptr<float>(), init.size(1),
                     out.data_ptr<float>(), out.size(1));
  }

 private:
  at::Tensor b_;
  cdt::PackedB packed_;  // panels undefined: OpenBLAS through ATen
};

// What a training forward keeps for its backward pass, per step: the activated gates (i, f, tanh g, o), c and tanh c.
struct LayerSaved {
  at::Tensor gates;       // [T, B, 4H]
  at::Tensor cells;       // [T, B, H]
  at::Tensor tanh_cells;  // [T, B, H]
};

// One layer forward, time-major: x [T, B, I], h0 and c0 [B, H] -> out [T, B, H]; c_last is the final cell state.
// Keep: training, so every step's gates and cells go to `saved`; otherwise one gate buffer is reused.
template <typename scalar_t, bool Keep>
at::Tensor layer_forward(const at::Tensor& x, const at::Tensor& h0, const at::Tensor& c0, const at::Tensor& w_ih,
                         const at::Tensor& w_hh, const at::Tensor& b_ih, const at::Tensor& b_hh, LayerSaved* saved,
                         at::Tensor& c_last) {
  const int64_t steps = x.size(0), batch = x.size(1), hidden = w_hh.size(1);
  const auto flat = x.reshape({steps * batch, x.size(2)});
  auto xw = b_ih.defined() ? at::addmm(b_ih + b_hh, flat, w_ih.t()) : at::mm(flat, w_ih.t());  // [T*B, 4H]
  xw.narrow(1, 2 * hidden, hidden).mul_(2.0);
  auto whh_t = w_hh.t().clone(at::MemoryFormat::Contiguous);  // always a copy: the doubling never touches w_hh
  whh_t.narrow(1, 2 * hidden, hidden).mul_(2.0);
  const StepGemm gemm(whh_t);
  const auto options = x.options();
  auto out = at::empty({steps, batch, hidden}, options);
  at::Tensor gate_buffer, cell_buffer, tanh_buffer;
  if constexpr (Keep) {
    saved->gates = at::empty({steps, batch, 4 * hidden}, options);
    saved->cells = at::empty({steps, batch, hidden}, options);
    saved->tanh_cells = at::empty({steps, batch, hidden}, options);
  } else {
    gate_buffer = at::empty({batch, 4 * hidden}, options);
    cell_buffer = c0.clone(at::MemoryFormat::Contiguous);  // updated in place step by step
    tanh_buffer = at::empty({batch, hidden}, options);
  }
  at::Tensor h_prev = h0.contiguous();
  at::Tensor c_prev = Keep ? c0.contiguous() : cell_buffer;
  for (int64_t t = 0; t < steps; ++t) {
    at::Tensor gates_t = Keep ? saved->gates.select(0, t) : gate_buffer;
    at::Tensor c_t = Keep ? saved->cells.select(0, t) : cell_buffer;
    at::Tensor tanh_t = Keep ? saved->tanh_cells.select(0, t) : tanh_buffer;
    gemm.run(h_prev, xw.narrow(0, t * batch, batch), gates_t);
    gates_t.sigmoid_();
    scalar_t* const gp = gates_t.data_ptr<scalar_t>();
    const scalar_t* const cpp = c_prev.data_ptr<scalar_t>();
    scalar_t* const cp = c_t.data_ptr<scalar_t>();  // the same memory as cpp when !Keep: element-wise in place
    for (int64_t b = 0; b < batch; ++b) {
      scalar_t* __restrict g = gp + b * 4 * hidden;  // i, f, g (as sigmoid of 2a), o
      for (int64_t j = 0; j < hidden; ++j) {
        const scalar_t cell_gate = scalar_t(2) * g[2 * hidden + j] - scalar_t(1);
        if constexpr (Keep) g[2 * hidden + j] = cell_gate;
        cp[b * hidden + j] = g[hidden + j] * cpp[b * hidden + j] + g[j] * cell_gate;
      }
    }
    at::tanh_out(tanh_t, c_t);
    auto h_t = out.select(0, t);
    scalar_t* __restrict hp = h_t.data_ptr<scalar_t>();
    const scalar_t* __restrict tp = tanh_t.data_ptr<scalar_t>();
    for (int64_t b = 0; b < batch; ++b) {
      const scalar_t* __restrict o = gp + b * 4 * hidden + 3 * hidden;
      for (int64_t j = 0; j < hidden; ++j) hp[b * hidden + j] = o[j] * tp[b * hidden + j];
    }
    h_prev = h_t;
    c_prev = c_t;
  }
  c_last = c_prev;
  return out;
}

// The backward pass of layer_forward<scalar_t, true>. Returns the gradients of x, h0, c0, w_ih, w_hh, b_ih, b_hh.
template <typename scalar_t>
variable_list layer_backward(const at::Tensor& x, const at::Tensor& h0, const at::Tensor& c0, const at::Tensor& w_ih,
                             const at::Tensor& w_hh, bool has_bias, const at::Tensor& out, const LayerSaved& saved,
                             const at::Tensor& d_out_in, const at::Tensor& d_hn, const at::Tensor& d_cn) {
  const int64_t steps = x.size(0), batch = x.size(1), hidden = w_hh.size(1), input = x.size(2);
  const auto options = out.options();
  const at::Tensor d_out = d_out_in.defined() ? d_out_in.contiguous() : at::Tensor();
  // dh: the whole gradient reaching h_t (from the output at t and from step t + 1); dc likewise for c_t.
  at::Tensor dh = d_hn.defined() ? d_hn.clone(at::MemoryFormat::Contiguous) : at::zeros({batch, hidden}, options);
  if (d_out.defined()) dh.add_(d_out.select(0, steps - 1));
  at::Tensor dc = d_cn.defined() ? d_cn.clone(at::MemoryFormat::Contiguous) : at::zeros({batch, hidden}, options);
  at::Tensor dh_prev = at::empty({batch, hidden}, options);
  auto d_gates = at::empty({steps, batch, 4 * hidden}, options);
  const StepGemm back(w_hh);  // dh_{t-1} = d_out_{t-1} + dgates_t [B, 4H] * w_hh [4H, H]
  const at::Tensor c0c = c0.contiguous();
  for (int64_t t = steps - 1; t >= 0; --t) {
    const scalar_t* __restrict gp = saved.gates.select(0, t).data_ptr<scalar_t>();
    const scalar_t* __restrict tp = saved.tanh_cells.select(0, t).data_ptr<scalar_t>();
    const scalar_t* __restrict cpp = (t > 0 ? saved.cells.select(0, t - 1) : c0c).data_ptr<scalar_t>();
    const scalar_t* __restrict dhp = dh.data_ptr<scalar_t>();
    scalar_t* __restrict dcp = dc.data_ptr<scalar_t>();
    at::Tensor d_gates_t = d_gates.select(0, t);
    scalar_t* __restrict dgp = d_gates_t.data_ptr<scalar_t>();
    for (int64_t b = 0; b < batch; ++b) {
      const scalar_t* __restrict g = gp + b * 4 * hidden;
      scalar_t* __restrict dg = dgp + b * 4 * hidden;
      const int64_t row = b * hidden;
      for (int64_t j = 0; j < hidden; ++j) {
        const scalar_t i = g[j], f = g[hidden + j], cell = g[2 * hidden + j], o = g[3 * hidden + j];
        const scalar_t tc = tp[row + j], dhv = dhp[row + j];
        const scalar_t dct = dcp[row + j] + dhv * o * (scalar_t(1) - tc * tc);
        dg[j] = dct * cell * i * (scalar_t(1) - i);
        dg[hidden + j] = dct * cpp[row + j] * f * (scalar_t(1) - f);
        dg[2 * hidden + j] = dct * i * (scalar_t(1) - cell * cell);
        dg[3 * hidden + j] = dhv * tc * o * (scalar_t(1) - o);
        dcp[row + j] = dct * f;
      }
    }
    back.run(d_gates_t, t > 0 && d_out.defined() ? d_out.select(0, t - 1) : at::Tensor(), dh_prev);
    std::swap(dh, dh_prev);
  }
  const auto dg2 = d_gates.view({steps * batch, 4 * hidden});
  const auto h_prev = at::cat({h0.contiguous().unsqueeze(0), out.narrow(0, 0, steps - 1)}, 0).view({steps * batch, hidden});
  auto d_w_hh = at::mm(dg2.t(), h_prev);
  auto d_w_ih = at::mm(dg2.t(), x.reshape({steps * batch, input}));
  auto d_x = at::mm(dg2, w_ih).view({steps, batch, input});
  at::Tensor d_b_ih, d_b_hh;
  if (has_bias) {
    d_b_ih = dg2.sum(0);
    d_b_hh = d_b_ih.clone();
  }
  return {d_x, dh, dc, d_w_ih, d_w_hh, d_b_ih, d_b_hh};
}

// One layer as one autograd node: inputs x [T, B, I] (time-major), h0, c0 [B, H], w_ih, w_hh, b_ih, b_hh (the biases
// are optional); outputs out [T, B, H], h_n, c_n [B, H].
struct LstmLayerFunction : public torch::autograd::Function<LstmLayerFunction> {
  static variable_list forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& h0, const at::Tensor& c0,
                               const at::Tensor& w_ih, const at::Tensor& w_hh, const c10::optional<at::Tensor>& b_ih_in,
                               const c10::optional<at::Tensor>& b_hh_in) {
    // Optional, not undefined tensors: autograd's apply only accepts defined tensor arguments.
    const at::Tensor b_ih = b_ih_in.has_value() ? *b_ih_in : at::Tensor();
    const at::Tensor b_hh = b_hh_in.has_value() ? *b_hh_in : at::Tensor();
    LayerSaved saved;
    at::Tensor c_last;
    auto out = x.scalar_type() == at::kDouble
                   ? layer_forward<double, true>(x, h0, c0, w_ih, w_hh, b_ih, b_hh, &saved, c_last)
                   : layer_forward<float, true>(x, h0, c0, w_ih, w_hh, b_ih, b_hh, &saved, c_last);
    ctx->save_for_backward({x, h0, c0, w_ih, w_hh, out, saved.gates, saved.cells, saved.tanh_cells});
    ctx->saved_data["bias"] = b_ih.defined();
    // Separate tensors, not views of out or of the saved cells: each output is its own variable.
    auto h_n = out.select(0, out.size(0) - 1).clone();
    auto c_n = c_last.clone();
    return {out, h_n, c_n};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    // The backward works on raw buffers and records no graph: refuse create_graph (double backward) rather than
    // return gradients that silently carry no history.
    TORCH_CHECK(!at::GradMode::is_enabled(),
                "lstm: the CPU LSTM's backward is not twice differentiable (backward with create_graph=True)");
    const auto s = ctx->get_saved_variables();
    const LayerSaved saved{s[6], s[7], s[8]};
    const bool bias = ctx->saved_data["bias"].toBool();
    return s[0].scalar_type() == at::kDouble
               ? layer_backward<double>(s[0], s[1], s[2], s[3], s[4], bias, s[5], saved, grads[0], grads[1], grads[2])
               : layer_backward<float>(s[0], s[1], s[2], s[3], s[4], bias, s[5], saved, grads[0], grads[1], grads[2]);
  }
};

// The own loop applies on the CPU in float32/float64, all tensors of one dtype, unless dropout runs between layers in
// training; everything else goes to at::lstm.
bool can_run_own_loop(const at::Tensor& x, const at::Tensor& h, const at::Tensor& c,
                      const std::vector<at::Tensor>& weights, int64_t num_layers, double dropout, bool train) {
  const auto dtype = x.scalar_type();
  if (x.dim() != 3 || x.numel() == 0 || !x.device().is_cpu() || (dtype != at::kFloat && dtype != at::kDouble)) return false;
  if (train && dropout > 0 && num_layers > 1) return false;
  auto usable = [&](const at::Tensor& t) { return t.device().is_cpu() && t.scalar_type() == dtype; };
  if (!usable(h) || !usable(c)) return false;
  for (const auto& w : weights)
    if (!usable(w)) return false;
  return true;
}

// True when autograd has to record this call: grad mode on and any input requiring a gradient.
bool needs_grad(const at::Tensor& x, const at::Tensor& h, const at::Tensor& c, const std::vector<at::Tensor>& weights) {
  if (!at::GradMode::is_enabled()) return false;
  if (x.requires_grad() || h.requires_grad() || c.requires_grad()) return true;
  for (const auto& w : weights)
    if (w.requires_grad()) return true;
  return false;
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> lstm_own_loop(const at::Tensor& x, const at::Tensor& h0,
                                                              const at::Tensor& c0, const std::vector<at::Tensor>& weights,
                                                              bool has_biases, int64_t num_layers, bool batch_first,
                                                              bool training) {
  const int per_layer = has_biases ? 4 : 2;
  at::Tensor layer_input = batch_first ? x.transpose(0, 1) : x;
  std::vector<at::Tensor> hs, cs;
  for (int64_t l = 0; l < num_layers; ++l) {
    const auto* w = &weights[l * per_layer];
    TORCH_CHECK(h0.size(0) == num_layers && c0.size(0) == num_layers && h0.sizes() == c0.sizes() &&
                    h0.size(1) == layer_input.size(1) && h0.size(2) == w[1].size(1),
                "lstm: h0 and c0 must be [", num_layers, ", ", layer_input.size(1), ", ", w[1].size(1), "], got ",
                h0.sizes(), " and ", c0.sizes());
    TORCH_CHECK(layer_input.size(2) == w[0].size(1), "lstm: layer ", l, " takes ", w[0].size(1),
                " input features, got ", layer_input.size(2));
    const at::Tensor b_ih = has_biases ? w[2] : at::Tensor();
    const at::Tensor b_hh = has_biases ? w[3] : at::Tensor();
    const at::Tensor h = h0.select(0, l), c = c0.select(0, l);
    if (training) {
      const auto r = LstmLayerFunction::apply(layer_input, h, c, w[0], w[1],
                                              has_biases ? c10::optional<at::Tensor>(b_ih) : c10::nullopt,
                                              has_biases ? c10::optional<at::Tensor>(b_hh) : c10::nullopt);
      layer_input = r[0];
      hs.push_back(r[1]);
      cs.push_back(r[2]);
    } else {
      at::Tensor c_last;
      layer_input = x.scalar_type() == at::kDouble
                        ? layer_forward<double, false>(layer_input, h, c, w[0], w[1], b_ih, b_hh, nullptr, c_last)
                        : layer_forward<float, false>(layer_input, h, c, w[0], w[1], b_ih, b_hh, nullptr, c_last);
      hs.push_back(layer_input.select(0, layer_input.size(0) - 1));
      cs.push_back(c_last);
    }
  }
  return {batch_first ? layer_input.transpose(0, 1) : layer_input, at::stack(hs), at::stack(cs)};
}
}  // namespace

// nn.LSTM over `n_params` weights in PyTorch's flat order: per layer w_ih, w_hh[, b_ih, b_hh]. h0/c0 may both be
// null: zeros of the right shape. Writes the output sequence and the final (h_n, c_n), each [num_layers, batch,
// hidden]. On float32/float64 CPU data it runs lstm_own_loop (above; with autograd when anything needs a gradient),
// else at::lstm, the kernel PyTorch's nn.LSTM calls. The same results to rounding either way.
CDT_API int cdt_nn_lstm(void* input, void* h0, void* c0, void** params, int n_params, int has_biases,
                        int64_t num_layers, double dropout, int train, int batch_first,
                        void** out, void** h_n, void** c_n) {
  CDT_TRY
  const at::Tensor& x = cdt::T(input);
  std::vector<at::Tensor> weights;
  weights.reserve(n_params);
  for (int i = 0; i < n_params; ++i) weights.push_back(cdt::T(params[i]));
  TORCH_CHECK(n_params == num_layers * (has_biases ? 4 : 2), "lstm: expected ",
              num_layers * (has_biases ? 4 : 2), " weights for ", num_layers, " layers, got ", n_params);
  TORCH_CHECK((h0 == nullptr) == (c0 == nullptr), "lstm: give both h0 and c0, or neither");
  at::Tensor h, c;
  if (h0) {
    h = cdt::T(h0);
    c = cdt::T(c0);
  } else {
    TORCH_CHECK(x.dim() == 3, "lstm: input must be 3-D (batch, seq, feature) or (seq, batch, feature), got ", x.sizes());
    const int64_t batch = x.size(batch_first ? 0 : 1);
    const int64_t hidden = weights[1].size(1);
    h = at::zeros({num_layers, batch, hidden}, x.options());
    c = at::zeros({num_layers, batch, hidden}, x.options());
  }
  auto result = can_run_own_loop(x, h, c, weights, num_layers, dropout, train != 0)
                    ? lstm_own_loop(x, h, c, weights, has_biases != 0, num_layers, batch_first != 0,
                                    needs_grad(x, h, c, weights))
                    : at::lstm(x, {h, c}, weights, has_biases != 0, num_layers, dropout, train != 0,
                               /*bidirectional=*/false, batch_first != 0);
  *out = cdt::wrap(std::move(std::get<0>(result)));
  *h_n = cdt::wrap(std::move(std::get<1>(result)));
  *c_n = cdt::wrap(std::move(std::get<2>(result)));
  CDT_CATCH
}
