// Fused losses. codistill_cross_entropy computes the task cross-entropy and the distillation term psi of one
// codistillation step together. The unfused graph (log_softmax + nll for the task, another log_softmax + product +
// sum for psi, and the backward of each) makes about a dozen passes over the [N, C] logits; here the forward makes
// one exp pass per temperature (the row logsumexp) plus a q.z row product, and the backward recomputes each softmax
// with one exp pass (the row scale folded into the exponent), subtracts q and scatters the one-hot. exp dominates
// the cost, so it is left to ATen's vectorised kernels rather than written as a scalar loop.
#include "shim.h"

using cdt::T;
using cdt::wrap;

namespace {
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// coef_i * exp(z_ij * inv_t - lse_i) for every element, in one fresh [N, C] buffer. With every coef >= 0 the scale
// goes into the exponent (log 0 = -inf gives exact zeros), so the buffer is written once and exponentiated in
// place; otherwise (a negative loss weight) it is multiplied afterwards.
at::Tensor scaled_softmax(const at::Tensor& z, double inv_t, const at::Tensor& lse, const at::Tensor& coef) {
  // A host read of N values: a device sync on CUDA, negligible on the CPU this shim targets.
  const bool nonnegative = coef.min().item<double>() >= 0.0;
  // The shift is formed in float64 so the float32 exponent takes a single rounding.
  auto shift = nonnegative ? (lse.to(at::kDouble) - coef.to(at::kDouble).log()).to(z.scalar_type()) : lse;
  auto out = inv_t == 1.0 ? at::sub(z, shift.unsqueeze(1)) : at::add(shift.neg().unsqueeze(1), z, inv_t);
  out.exp_();
  if (!nonnegative) out.mul_(coef.unsqueeze(1));
  return out;
}

// Row maxima of z, with non-finite ones replaced by 0: a row of -inf (or +inf) would otherwise give inf - inf,
// while a zero shift keeps logsumexp's own answer. max(z / T) = max(z) / T, so one pass serves every temperature.
at::Tensor row_shift(const at::Tensor& z) {
  auto max = at::amax(z, 1);
  return at::where(max.isfinite(), max, at::zeros_like(max));
}

// Row logsumexp of z * inv_t from the row shift: one exp pass into scratch ([N, C], overwritten) and the row sums.
// Cheaper than at::logsumexp, which makes two temporaries: every fresh [N, C] buffer also costs page faults when the
// allocator has returned the last one to the system.
at::Tensor row_logsumexp(const at::Tensor& z, double inv_t, const at::Tensor& shift, at::Tensor& scratch) {
  auto s = inv_t == 1.0 ? shift : shift * inv_t;
  if (inv_t == 1.0) at::sub_out(scratch, z, s.unsqueeze(1));
  else at::add_out(scratch, s.neg().unsqueeze(1), z, inv_t);
  scratch.exp_();
  return scratch.sum(1).log_().add_(s);
}

// Row weights of psi: m_i / max(sum m, 1), or 1/N without a mask (Distillation.Psi's masked mean).
at::Tensor psi_weights(const at::Tensor& mask, int64_t n, const at::Tensor& like) {
  if (!mask.defined()) return at::full({n}, 1.0 / static_cast<double>(n), like.options());
  return mask / mask.sum().clamp_min(1.0);
}

struct CodistillCrossEntropy : public torch::autograd::Function<CodistillCrossEntropy> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& z, const at::Tensor& t,
                            const c10::optional<at::Tensor>& soft, const c10::optional<at::Tensor>& mask_in,
                            double temperature, bool kl) {
    const auto n = z.size(0);
    const double inv_t = 1.0 / temperature;
    auto shift = row_shift(z);
    auto scratch = at::empty_like(z, at::MemoryFormat::Contiguous);
    auto lse = row_logsumexp(z, 1.0, shift, scratch);
    auto task = (lse - z.gather(1, t.unsqueeze(1)).squeeze(1)).sum() / static_cast<double>(n);
    at::Tensor q = soft.has_value() ? *soft : at::Tensor();
    at::Tensor mask = mask_in.has_value() ? mask_in->to(z.scalar_type()) : at::Tensor();
    at::Tensor psi, lse_t, q_sum;
    if (q.defined()) {
      lse_t = temperature == 1.0 ? lse : row_logsumexp(z, inv_t, shift, scratch);
      // -sum_j q_ij log_softmax(z_i / T)_j = lse_t_i * sum_j q_ij - (q_i . z_i) / T: exact even when a row of q
      // does not sum to 1, which is what the unfused expression computes.
      q_sum = q.sum(1);
      auto ce = lse_t * q_sum - at::mul_out(scratch, q, z).sum(1) * inv_t;
      if (kl) {
        // minus the entropy, with Distillation.Entropy's clamp (0 log 0 = 0)
        at::clamp_min_out(scratch, q, 1e-12);
        ce = ce + scratch.log_().mul_(q).sum(1);
      }
      psi = (ce * psi_weights(mask, n, z)).sum() * (temperature * temperature);
    } else {
      psi = at::zeros({}, z.options());
    }
    ctx->save_for_backward({z, t, q, mask, lse, lse_t, q_sum});
    ctx->saved_data["temperature"] = temperature;
    return at::stack({task, psi});
  }

  // grad_z = g0/N (softmax(z) - onehot(t)) + g1 T w_i (sum_j q_ij softmax(z/T) - q); the entropy is constant in z.
  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    const auto& z = saved[0];
    const auto& t = saved[1];
    const auto& q = saved[2];
    const auto& mask = saved[3];
    const auto& lse = saved[4];
    const auto& lse_t = saved[5];
    const auto& q_sum = saved[6];
    const double temperature = ctx->saved_data["temperature"].toDouble();
    const auto n = z.size(0);
    auto g = grad_outputs[0].to(at::kCPU, at::kDouble);
    const double g_task = g[0].item<double>() / static_cast<double>(n);
    const double g_psi = q.defined() ? g[1].item<double>() : 0.0;

    at::Tensor grad;
    if (g_psi == 0.0) {
      grad = scaled_softmax(z, 1.0, lse, at::full({n}, g_task, z.options()));
    } else {
      auto q_coef = psi_weights(mask, n, z) * (g_psi * temperature);  // [N]: scale of -q in row i
      auto p_coef = q_coef * q_sum;                                     // [N]: scale of softmax(z/T) in row i
      if (temperature == 1.0) {
        grad = scaled_softmax(z, 1.0, lse, p_coef + g_task);
      } else {
        grad = scaled_softmax(z, 1.0, lse, at::full({n}, g_task, z.options()));
        grad.add_(scaled_softmax(z, 1.0 / temperature, lse_t, p_coef));
      }
      grad.addcmul_(q, q_coef.unsqueeze(1), -1.0);
    }
    grad.scatter_add_(1, t.unsqueeze(1), at::full({n, 1}, -g_task, z.options()));
    return {grad, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

at::Tensor codistill_cross_entropy(const at::Tensor& z, const at::Tensor& t, const at::Tensor& q, const at::Tensor& mask,
                                   double temperature, bool kl) {
  TORCH_CHECK(z.dim() == 2, "codistill_cross_entropy: logits must be 2-D [N, C], got ", z.sizes());
  TORCH_CHECK(z.scalar_type() == at::kFloat || z.scalar_type() == at::kDouble,
              "codistill_cross_entropy: logits must be float32 or float64, got ", z.scalar_type());
  const auto n = z.size(0);
  const auto c = z.size(1);
  TORCH_CHECK(n > 0 && c > 0, "codistill_cross_entropy: logits must have at least one row and one class, got ", z.sizes());
  TORCH_CHECK(temperature > 0.0, "codistill_cross_entropy: temperature must be positive, got ", temperature);
  TORCH_CHECK(t.scalar_type() == at::kLong, "codistill_cross_entropy: targets must be int64 class indices, got ",
              t.scalar_type());
  TORCH_CHECK(t.dim() == 1 && t.size(0) == n, "codistill_cross_entropy: targets must have shape [", n,
              "] (one class index per row of logits), got ", t.sizes());
  TORCH_CHECK(t.device() == z.device(), "codistill_cross_entropy: targets are on ", t.device(), ", logits on ", z.device());
  // A host read of N values; F.cross_entropy's ignore_index (-100) is deliberately not supported.
  auto lo = t.min().item<int64_t>();
  auto hi = t.max().item<int64_t>();
  TORCH_CHECK(lo >= 0 && hi < c, "codistill_cross_entropy: targets must be class indices in [0, ", c, "), got values in [",
              lo, ", ", hi, "]");
  c10::optional<at::Tensor> soft;
  if (q.defined()) {
    TORCH_CHECK(q.sizes() == z.sizes(), "codistill_cross_entropy: soft_targets must have the shape of logits ", z.sizes(),
                ", got ", q.sizes());
    TORCH_CHECK(q.scalar_type() == z.scalar_type(), "codistill_cross_entropy: soft_targets must have the dtype of logits (",
                z.scalar_type(), "), got ", q.scalar_type());
    TORCH_CHECK(q.device() == z.device(), "codistill_cross_entropy: soft_targets are on ", q.device(), ", logits on ",
                z.device());
    soft = q;
  }
  c10::optional<at::Tensor> m;
  if (mask.defined()) {
    TORCH_CHECK(mask.dim() == 1 && mask.size(0) == n, "codistill_cross_entropy: mask must have shape [", n, "], got ",
                mask.sizes());
    TORCH_CHECK(at::isFloatingType(mask.scalar_type()), "codistill_cross_entropy: mask must be a float 0/1 tensor, got ",
                mask.scalar_type());
    TORCH_CHECK(mask.device() == z.device(), "codistill_cross_entropy: mask is on ", mask.device(), ", logits on ",
                z.device());
    m = mask;
  }
  return CodistillCrossEntropy::apply(z, t, soft, m, temperature, kl);
}

at::Tensor opt(void* h) { return h ? T(h) : at::Tensor(); }
}  // namespace

// task and psi: the two 0-dim elements (views that keep the graph) of the op's [2] result, so one backward of any
// weighted sum of them runs the fused backward once. soft_targets and mask may be null (psi is then 0 / unmasked).
CDT_API int cdt_codistill_cross_entropy_pair(void* logits, void* targets, void* soft_targets, void* mask,
                                             double temperature, int kl, void** task, void** psi) {
  CDT_TRY
  auto both = codistill_cross_entropy(T(logits), T(targets), opt(soft_targets), opt(mask), temperature, kl != 0);
  auto first = both.select(0, 0);
  auto second = both.select(0, 1);
  *task = wrap(std::move(first));
  *psi = wrap(std::move(second));
  CDT_CATCH
}
