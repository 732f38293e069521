// torch.nn pieces that have no single functional op on the managed side: the fused LSTM over
// flat weights, and PyTorch's in-place initialisers (so that a seeded module draws the same
// numbers from the same generator, in the same order, as Python's reset_parameters).
#include "shim.h"
#include "packed_gemm.h"
#include <type_traits>
#include <vector>

namespace {
// One LSTM layer for inference, time-major: x [T, B, I] -> out [T, B, H], with the state (h, c) [B, H] updated in
// place (c must be a contiguous tensor of its own, of the layer's dtype). The input projection of every step is one
// GEMM up front (as in at::lstm). Then each step is one addmm into the gate buffer, one sigmoid over all four gates,
// and two plain loops around one tanh, where at::lstm's cell runs about a dozen small ATen ops per step (gates
// chunked into strided views, each activated, multiplied and added on its own): at the demo's sizes, dispatch costs
// as much as the arithmetic. The cell gate needs tanh, not sigmoid: its rows of the projections are doubled (exact
// in floating point) so that tanh(a) = 2 sigmoid(2a) - 1 comes out of the same sigmoid pass. In float32 on a CPU
// with AVX2/FMA the step GEMM is packed_gemm (packed_gemm.h) over W_hh^T packed once per call, since the recurrent
// weights stay the same for every step; elsewhere it is at::addmm_out.
template <typename scalar_t>
at::Tensor lstm_layer_inference(const at::Tensor& x, at::Tensor& h, at::Tensor& c, const at::Tensor& w_ih,
                                const at::Tensor& w_hh, const at::Tensor* b_ih, const at::Tensor* b_hh) {
  const int64_t steps = x.size(0), batch = x.size(1), hidden = w_hh.size(1);
  const auto flat = x.reshape({steps * batch, x.size(2)});
  auto xw = b_ih ? at::addmm(*b_ih + *b_hh, flat, w_ih.t()) : at::mm(flat, w_ih.t());  // [T*B, 4H]
  xw.narrow(1, 2 * hidden, hidden).mul_(2.0);
  // W_hh^T laid out contiguously: OpenBLAS packs it faster than a transposed view (~5% per step GEMM).
  auto whh_t = w_hh.t().clone(at::MemoryFormat::Contiguous);  // a copy even when w_hh is itself a transposed view
  whh_t.narrow(1, 2 * hidden, hidden).mul_(2.0);
  auto out = at::empty({steps, batch, hidden}, x.options());
  auto gates = at::empty({batch, 4 * hidden}, x.options());
  auto tanh_c = at::empty({batch, hidden}, x.options());
  scalar_t* __restrict cp = c.data_ptr<scalar_t>();
  const scalar_t* __restrict gp = gates.data_ptr<scalar_t>();
  const scalar_t* __restrict tp = tanh_c.data_ptr<scalar_t>();
  bool packed = false;
  cdt::PackedB whh_packed;
  if constexpr (std::is_same_v<scalar_t, float>) {
    packed = cdt::packed_gemm_available();
    if (packed) whh_packed = cdt::pack_b(whh_t);
  }
  at::Tensor previous = packed ? h.contiguous() : h;
  for (int64_t t = 0; t < steps; ++t) {
    if constexpr (std::is_same_v<scalar_t, float>) {
      if (packed)
        cdt::packed_gemm(batch, previous.data_ptr<float>(), hidden, whh_packed, xw.data_ptr<float>() + t * batch * 4 * hidden,
                         4 * hidden, gates.data_ptr<float>(), 4 * hidden);
    }
    if (!packed) at::addmm_out(gates, xw.narrow(0, t * batch, batch), previous, whh_t);
    gates.sigmoid_();
    for (int64_t b = 0; b < batch; ++b) {
      const scalar_t* __restrict g = gp + b * 4 * hidden;  // i, f, g (as sigmoid of 2a), o
      scalar_t* __restrict cb = cp + b * hidden;
      for (int64_t j = 0; j < hidden; ++j) cb[j] = g[hidden + j] * cb[j] + g[j] * (scalar_t(2) * g[2 * hidden + j] - scalar_t(1));
    }
    at::tanh_out(tanh_c, c);
    auto h_t = out.select(0, t);
    scalar_t* __restrict hp = h_t.data_ptr<scalar_t>();
    for (int64_t b = 0; b < batch; ++b) {
      const scalar_t* __restrict o = gp + b * 4 * hidden + 3 * hidden;
      const scalar_t* __restrict tb = tp + b * hidden;
      scalar_t* __restrict hb = hp + b * hidden;
      for (int64_t j = 0; j < hidden; ++j) hb[j] = o[j] * tb[j];
    }
    previous = h_t;
  }
  h = previous;
  return out;
}

// The inference path applies when nothing needs a gradient, the data is float32 or float64 on the CPU, all of one
// dtype, and no dropout runs between layers; everything else goes to at::lstm.
bool can_run_inference(const at::Tensor& x, const at::Tensor& h, const at::Tensor& c,
                       const std::vector<at::Tensor>& weights, int64_t num_layers, double dropout, bool train) {
  const auto dtype = x.scalar_type();
  if (x.dim() != 3 || x.numel() == 0 || !x.device().is_cpu() || (dtype != at::kFloat && dtype != at::kDouble)) return false;
  if (train && dropout > 0 && num_layers > 1) return false;
  const bool grad = at::GradMode::is_enabled();
  auto usable = [&](const at::Tensor& t) {
    return t.device().is_cpu() && t.scalar_type() == dtype && !(grad && t.requires_grad());
  };
  if (!usable(x) || !usable(h) || !usable(c)) return false;
  for (const auto& w : weights)
    if (!usable(w)) return false;
  return true;
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> lstm_inference(const at::Tensor& x, const at::Tensor& h0,
                                                               const at::Tensor& c0, const std::vector<at::Tensor>& weights,
                                                               bool has_biases, int64_t num_layers, bool batch_first) {
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
    at::Tensor h = h0.select(0, l);
    at::Tensor c = c0.select(0, l).clone(at::MemoryFormat::Contiguous);
    const auto* b_ih = has_biases ? &w[2] : nullptr;
    const auto* b_hh = has_biases ? &w[3] : nullptr;
    layer_input = x.scalar_type() == at::kDouble ? lstm_layer_inference<double>(layer_input, h, c, w[0], w[1], b_ih, b_hh)
                                                 : lstm_layer_inference<float>(layer_input, h, c, w[0], w[1], b_ih, b_hh);
    hs.push_back(h);
    cs.push_back(c);
  }
  return {batch_first ? layer_input.transpose(0, 1) : layer_input, at::stack(hs), at::stack(cs)};
}
}  // namespace

// Runs at::lstm (the same kernel nn.LSTM calls) over `n_params` weights in PyTorch's flat
// order: per layer w_ih, w_hh[, b_ih, b_hh]. h0/c0 may both be null: zeros of the right shape.
// Writes the output sequence and the final (h_n, c_n), each [num_layers, batch, hidden].
// Without autograd (no_grad, or nothing requiring a gradient) on float32 or float64 CPU data it runs
// the same equations through lstm_inference instead: the same results to rounding, fewer ATen calls.
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
  auto result = can_run_inference(x, h, c, weights, num_layers, dropout, train != 0)
                    ? lstm_inference(x, h, c, weights, has_biases != 0, num_layers, batch_first != 0)
                    : at::lstm(x, {h, c}, weights, has_biases != 0, num_layers, dropout, train != 0,
                               /*bidirectional=*/false, batch_first != 0);
  *out = cdt::wrap(std::move(std::get<0>(result)));
  *h_n = cdt::wrap(std::move(std::get<1>(result)));
  *c_n = cdt::wrap(std::move(std::get<2>(result)));
  CDT_CATCH
}

// In-place initialisers, run without recording autograd history (they act on leaves).
CDT_API int cdt_nn_init_uniform_(void* tensor, double low, double high) {
  CDT_TRY
  at::NoGradGuard no_grad;
  cdt::T(tensor).uniform_(low, high);
  CDT_CATCH
}

CDT_API int cdt_nn_init_normal_(void* tensor, double mean, double std) {
  CDT_TRY
  at::NoGradGuard no_grad;
  cdt::T(tensor).normal_(mean, std);
  CDT_CATCH
}

CDT_API int cdt_nn_init_fill_(void* tensor, double value) {
  CDT_TRY
  at::NoGradGuard no_grad;
  cdt::T(tensor).fill_(value);
  CDT_CATCH
}

// Copies `source` into `target` in place without autograd history (load_state_dict, flat import).
CDT_API int cdt_nn_copy_no_grad_(void* target, void* source) {
  CDT_TRY
  at::NoGradGuard no_grad;
  at::Tensor& t = cdt::T(target);
  const at::Tensor& s = cdt::T(source);
  TORCH_CHECK(t.sizes() == s.sizes(), "copy: shape ", s.sizes(), " does not match ", t.sizes());
  t.copy_(s);
  CDT_CATCH
}

// Drops the .grad of every tensor in the list (zero_grad with set_to_none, PyTorch 2's default
// and cheaper than zeroing: backward then writes the fresh gradient instead of adding to zeros).
CDT_API int cdt_nn_zero_grad(void** tensors, int n, int set_to_none) {
  CDT_TRY
  for (int i = 0; i < n; ++i) {
    at::Tensor& t = cdt::T(tensors[i]);
    at::Tensor& g = t.mutable_grad();
    if (!g.defined()) continue;
    if (set_to_none) {
      g = at::Tensor();
    } else {
      if (g.grad_fn()) g = g.detach();
      else g.requires_grad_(false);
      g.zero_();
    }
  }
  CDT_CATCH
}

// Module.to(dtype/device): converts a parameter or buffer in place, keeping its handle (and so every
// managed wrapper and optimizer that holds it), as PyTorch's Module._apply does with `param.data = ...`.
// dtype_code or dev_type < 0 keeps that property. A gradient is converted along with it.
CDT_API int cdt_nn_set_data_to(void* tensor, int dtype_code, int dev_type, int dev_index) {
  CDT_TRY
  at::NoGradGuard no_grad;
  at::Tensor& t = cdt::T(tensor);
  auto options = t.options();
  if (dtype_code >= 0) options = options.dtype(cdt::dtype_of(dtype_code));
  if (dev_type >= 0) options = options.device(cdt::device_of(dev_type, dev_index));
  t.set_data(t.to(options));
  at::Tensor& g = t.mutable_grad();
  if (g.defined()) g = g.to(options);
  CDT_CATCH
}
