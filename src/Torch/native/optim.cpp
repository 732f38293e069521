// Optimizer updates: one shim call per step for ALL parameters (per-call overhead decides the
// small-model step time). The math is PyTorch 1.13's single-tensor implementations
// (torch/optim/{sgd,adam,adagrad}.py). State tensors are created by the managed optimizer
// (it owns and saves them); here they are only updated in place, under no-grad.
//
// Contiguous CPU float32/float64 tensors take a fused loop: one pass over param, grad and state
// instead of PyTorch's 4-6 separate elementwise passes (memory-bound; the embedding tables make
// this most of the optimizer's cost). Anything else (CUDA, half, strided) takes the ATen path,
// which is the reference formula line for line.
//
// Sparse COO gradients (nn.Embedding(sparse: true)) are accepted by SGD and Adagrad, refused by Adam
// (as in PyTorch); see "Sparse gradients" below.
#include "shim.h"
#include <ATen/Parallel.h>
#include <algorithm>
#include <climits>
#include <vector>
#include <cmath>

namespace {

bool fusable(const at::Tensor& p, const at::Tensor& g, std::initializer_list<const at::Tensor*> state) {
  if (!p.device().is_cpu() || !p.is_contiguous() || !g.is_contiguous() || g.scalar_type() != p.scalar_type())
    return false;
  if (p.scalar_type() != at::kFloat && p.scalar_type() != at::kDouble) return false;
  for (const at::Tensor* s : state)
    if (!s->is_contiguous() || s->scalar_type() != p.scalar_type() || !s->device().is_cpu()) return false;
  return true;
}

constexpr int64_t kGrain = 1 << 15;

// --- SGD -------------------------------------------------------------------------------------
template <typename T>
void sgd_fused(T* p, const T* g, T* buf, int64_t n, T lr, T momentum, T dampening, T wd, bool nesterov,
               bool first) {
  at::parallel_for(0, n, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      T d = g[i];
      if (wd != 0) d = d + wd * p[i];
      if (buf) {
        T m = first ? d : buf[i] * momentum + (1 - dampening) * d;
        buf[i] = m;
        d = nesterov ? d + momentum * m : m;
      }
      p[i] = p[i] - lr * d;
    }
  });
}

void sgd_one(at::Tensor& p, const at::Tensor& g, at::Tensor* buf, double lr, double momentum, double dampening,
             double wd, bool nesterov, bool first) {
  if (buf ? fusable(p, g, {buf}) : fusable(p, g, {})) {
    const int64_t n = p.numel();
    if (p.scalar_type() == at::kFloat)
      sgd_fused<float>(p.data_ptr<float>(), g.data_ptr<float>(), buf ? buf->data_ptr<float>() : nullptr, n, lr,
                       momentum, dampening, wd, nesterov, first);
    else
      sgd_fused<double>(p.data_ptr<double>(), g.data_ptr<double>(), buf ? buf->data_ptr<double>() : nullptr, n, lr,
                        momentum, dampening, wd, nesterov, first);
    return;
  }
  at::Tensor d = wd != 0 ? g.add(p, wd) : g;
  if (buf) {
    if (first) buf->copy_(d);
    else buf->mul_(momentum).add_(d, 1 - dampening);
    d = nesterov ? d.add(*buf, momentum) : *buf;
  }
  p.add_(d, -lr);
}

// --- Adam ------------------------------------------------------------------------------------
// Range kernels with restrict pointers and no branch inside the loop (weight decay picks an instantiation).
// They vectorise only when optim.cpp is compiled with -fno-math-errno (std::sqrt otherwise keeps an errno path;
// the function attribute / pragma do not reach it); without it they run scalar but still in one pass.
template <typename T, bool Decay>
void adam_range(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v, int64_t b, int64_t e, T beta1,
                T beta2, T wd, T eps, T step_size, T bc2_sqrt) {
  for (int64_t i = b; i < e; ++i) {
    T grad = Decay ? g[i] + wd * p[i] : g[i];
    T mi = m[i] * beta1 + (1 - beta1) * grad;
    T vi = v[i] * beta2 + (1 - beta2) * grad * grad;
    m[i] = mi;
    v[i] = vi;
    T denom = std::sqrt(vi) / bc2_sqrt + eps;
    p[i] = p[i] - step_size * mi / denom;
  }
}

template <typename T>
void adam_fused(T* p, const T* g, T* m, T* v, int64_t n, T beta1, T beta2, T wd, T eps, T step_size, T bc2_sqrt) {
  at::parallel_for(0, n, kGrain, [=](int64_t b, int64_t e) {
    if (wd != 0) adam_range<T, true>(p, g, m, v, b, e, beta1, beta2, wd, eps, step_size, bc2_sqrt);
    else adam_range<T, false>(p, g, m, v, b, e, beta1, beta2, wd, eps, step_size, bc2_sqrt);
  });
}

// --- Adagrad ---------------------------------------------------------------------------------
template <typename T, bool Decay>
void adagrad_range(T* __restrict p, const T* __restrict g, T* __restrict s, int64_t b, int64_t e, T clr, T wd, T eps) {
  for (int64_t i = b; i < e; ++i) {
    T grad = Decay ? g[i] + wd * p[i] : g[i];
    T si = s[i] + grad * grad;
    s[i] = si;
    p[i] = p[i] - clr * grad / (std::sqrt(si) + eps);
  }
}

template <typename T>
void adagrad_fused(T* p, const T* g, T* s, int64_t n, T clr, T wd, T eps) {
  at::parallel_for(0, n, kGrain, [=](int64_t b, int64_t e) {
    if (wd != 0) adagrad_range<T, true>(p, g, s, b, e, clr, wd, eps);
    else adagrad_range<T, false>(p, g, s, b, e, clr, wd, eps);
  });
}

// --- Sparse gradients --------------------------------------------------------------------------
// A sparse gradient of a [rows, ...] parameter names the rows a batch touched (13 k of the CTR table's 100 k).
// Without weight decay (refused with sparse gradients, as in PyTorch) and without momentum, a row whose gradient
// is zero does not move: SGD subtracts lr * 0, Adagrad adds 0 to its sum and subtracts clr * 0 / (sqrt(sum) + eps).
// So running the dense per-element formula (the same range kernels) over the touched rows only is the dense step,
// without the dense gradient's memset + scatter + full-table passes.

// The touched rows of a sparse gradient and each row's summed gradient. Duplicate ids are summed in order of
// appearance, the order in which the dense embedding backward adds them into its zeroed gradient, so the row sums
// are the dense gradient's bit for bit. A row -> slot table replaces coalesce (whose sort cost more than the whole
// row update in the CTR step).
template <typename T>
struct RowSums {
  std::vector<int64_t> rows;
  std::vector<T> sums;  // rows.size() x len
  int64_t len = 0;
};

// false when the row loop does not apply (CUDA, half, strided, more than one sparse dimension): the caller then
// densifies, same result at dense cost.
bool rows_fusable(const at::Tensor& p, const at::Tensor& g, const at::Tensor* state) {
  TORCH_CHECK(g.sizes() == p.sizes(), "sparse gradient of shape ", g.sizes(), " for a parameter of shape ", p.sizes());
  if (g.sparse_dim() != 1 || !p.device().is_cpu() || !g.device().is_cpu() || !p.is_contiguous() ||
      g.scalar_type() != p.scalar_type())
    return false;
  if (p.scalar_type() != at::kFloat && p.scalar_type() != at::kDouble) return false;
  if (state && (!state->is_contiguous() || state->scalar_type() != p.scalar_type() || !state->device().is_cpu()))
    return false;
  return true;
}

template <typename T>
RowSums<T> sum_rows(const at::Tensor& p, const at::Tensor& g) {
  const at::Tensor ids = g._indices().select(0, 0).to(at::kLong).contiguous();
  const at::Tensor values = g._values().contiguous();
  const int64_t nnz = ids.numel();
  const int64_t n_rows = p.size(0);
  RowSums<T> out;
  if (nnz == 0) return out;
  TORCH_CHECK(nnz < INT32_MAX, "sparse gradient with ", nnz, " entries");
  const int64_t len = values.numel() / nnz;
  out.len = len;
  const int64_t* id = ids.data_ptr<int64_t>();
  const T* v = values.data_ptr<T>();
  std::vector<int32_t> slot(static_cast<size_t>(n_rows), -1);
  out.rows.reserve(static_cast<size_t>(nnz));
  out.sums.reserve(static_cast<size_t>(nnz * len));
  for (int64_t k = 0; k < nnz; ++k) {
    const int64_t r = id[k];
    TORCH_CHECK(r >= 0 && r < n_rows, "sparse gradient row id ", r, " outside the parameter's ", n_rows, " rows");
    const T* src = v + k * len;
    if (slot[r] < 0) {
      slot[r] = static_cast<int32_t>(out.rows.size());
      out.rows.push_back(r);
      out.sums.insert(out.sums.end(), src, src + len);
    } else {
      T* __restrict dst = out.sums.data() + static_cast<int64_t>(slot[r]) * len;
      for (int64_t j = 0; j < len; ++j) dst[j] += src[j];
    }
  }
  return out;
}

// Runs row_update(parameter offset, summed gradient row) over the touched rows. Rows are scattered over the table,
// so each is a cache miss on the parameter (and state): prefetching a few rows ahead overlaps those misses.
template <typename T, typename F>
void for_rows(const RowSums<T>& rs, std::initializer_list<const T*> tables, F row_update) {
  const int64_t n = static_cast<int64_t>(rs.rows.size());
  if (n == 0) return;
  const int64_t len = rs.len;
  const int64_t* r = rs.rows.data();
  const T* g = rs.sums.data();
  constexpr int64_t kAhead = 8;
  at::parallel_for(0, n, std::max<int64_t>(1, kGrain / std::max<int64_t>(len, 1)), [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k) {
      if (k + kAhead < e)
        for (const T* t : tables) __builtin_prefetch(t + r[k + kAhead] * len, 1);
      row_update(r[k] * len, g + k * len, len);
    }
  });
}

template <typename T>
void sgd_rows(at::Tensor& p, const at::Tensor& grad, T lr) {
  const RowSums<T> rs = sum_rows<T>(p, grad);
  T* pp = p.data_ptr<T>();
  for_rows<T>(rs, {pp}, [=](int64_t offset, const T* g, int64_t len) {
    T* __restrict q = pp + offset;
    for (int64_t j = 0; j < len; ++j) q[j] = q[j] - lr * g[j];
  });
}

template <typename T>
void adagrad_rows(at::Tensor& p, at::Tensor& s, const at::Tensor& grad, T clr, T eps) {
  const RowSums<T> rs = sum_rows<T>(p, grad);
  T* pp = p.data_ptr<T>();
  T* ss = s.data_ptr<T>();
  for_rows<T>(rs, {pp, ss}, [=](int64_t offset, const T* g, int64_t len) {
    adagrad_range<T, false>(pp + offset, g, ss + offset, 0, len, clr, T(0), eps);
  });
}

// Refuses sparse gradients before any parameter is touched, so a refused step leaves the model unchanged.
void check_no_sparse(void** params, int n, const char* why) {
  for (int i = 0; i < n; ++i) {
    const at::Tensor& g = cdt::T(params[i]).grad();
    TORCH_CHECK(!(g.defined() && g.is_sparse()), "parameter ", i, " of shape ", cdt::T(params[i]).sizes(),
                " has a sparse gradient (nn.Embedding(sparse: true)): ", why);
  }
}

}  // namespace

// Parameters without a gradient are skipped and their state is left alone (as in PyTorch).
// `bufs` may be null (momentum == 0); `initialized[i]` says whether bufs[i] holds a momentum yet
// (PyTorch starts the buffer as a copy of the first gradient, not from zeros); set to 1 here.
CDT_API int cdt_optim_sgd_step(void** params, void** bufs, int32_t* initialized, int n, double lr, double momentum,
                               double dampening, double weight_decay, int nesterov) {
  CDT_TRY
  at::NoGradGuard no_grad;
  for (int i = 0; i < n; ++i) {
    at::Tensor& p = cdt::T(params[i]);
    at::Tensor g = p.grad();
    if (!g.defined()) continue;
    at::Tensor* buf = (momentum != 0 && bufs) ? &cdt::T(bufs[i]) : nullptr;
    if (g.is_sparse()) {
      // Momentum and weight decay move every row, so those steps are dense whatever the gradient's layout.
      if (!buf && weight_decay == 0 && rows_fusable(p, g, nullptr)) {
        if (p.scalar_type() == at::kFloat) sgd_rows<float>(p, g, lr);
        else sgd_rows<double>(p, g, lr);
        continue;
      }
      g = g.to_dense();
    }
    sgd_one(p, g, buf, lr, momentum, dampening, weight_decay, nesterov != 0, buf && !initialized[i]);
    if (buf) initialized[i] = 1;
  }
  CDT_CATCH
}

// `steps[i]` is parameter i's own step count (PyTorch keeps one per parameter); incremented here.
CDT_API int cdt_optim_adam_step(void** params, void** exp_avgs, void** exp_avg_sqs, int64_t* steps, int n, double lr,
                                double beta1, double beta2, double eps, double weight_decay) {
  CDT_TRY
  check_no_sparse(params, n, "Adam does not support sparse gradients (neither does PyTorch's): optimize that "
                             "parameter with Adagrad or SGD, or make it dense (sparse: false)");
  at::NoGradGuard no_grad;
  for (int i = 0; i < n; ++i) {
    at::Tensor& p = cdt::T(params[i]);
    const at::Tensor& g = p.grad();
    if (!g.defined()) continue;
    at::Tensor& m = cdt::T(exp_avgs[i]);
    at::Tensor& v = cdt::T(exp_avg_sqs[i]);
    const int64_t step = ++steps[i];
    const double bc1 = 1 - std::pow(beta1, static_cast<double>(step));
    const double bc2 = 1 - std::pow(beta2, static_cast<double>(step));
    const double step_size = lr / bc1;
    const double bc2_sqrt = std::sqrt(bc2);
    if (fusable(p, g, {&m, &v})) {
      if (p.scalar_type() == at::kFloat)
        adam_fused<float>(p.data_ptr<float>(), g.data_ptr<float>(), m.data_ptr<float>(), v.data_ptr<float>(),
                          p.numel(), beta1, beta2, weight_decay, eps, step_size, bc2_sqrt);
      else
        adam_fused<double>(p.data_ptr<double>(), g.data_ptr<double>(), m.data_ptr<double>(), v.data_ptr<double>(),
                           p.numel(), beta1, beta2, weight_decay, eps, step_size, bc2_sqrt);
      continue;
    }
    at::Tensor grad = weight_decay != 0 ? g.add(p, weight_decay) : g;
    m.mul_(beta1).add_(grad, 1 - beta1);
    v.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
    at::Tensor denom = (v.sqrt() / bc2_sqrt).add_(eps);
    p.addcdiv_(m, denom, -step_size);
  }
  CDT_CATCH
}

CDT_API int cdt_optim_adagrad_step(void** params, void** sums, int64_t* steps, int n, double lr, double lr_decay,
                                   double weight_decay, double eps) {
  CDT_TRY
  if (weight_decay != 0)
    check_no_sparse(params, n, "weight_decay is not compatible with sparse gradients (as in PyTorch's Adagrad)");
  at::NoGradGuard no_grad;
  for (int i = 0; i < n; ++i) {
    at::Tensor& p = cdt::T(params[i]);
    at::Tensor g = p.grad();
    if (!g.defined()) continue;
    at::Tensor& s = cdt::T(sums[i]);
    const int64_t step = ++steps[i];
    const double clr = lr / (1 + static_cast<double>(step - 1) * lr_decay);
    if (g.is_sparse()) {
      if (rows_fusable(p, g, &s)) {
        if (p.scalar_type() == at::kFloat) adagrad_rows<float>(p, s, g, clr, eps);
        else adagrad_rows<double>(p, s, g, clr, eps);
        continue;
      }
      g = g.to_dense();
    }
    if (fusable(p, g, {&s})) {
      if (p.scalar_type() == at::kFloat)
        adagrad_fused<float>(p.data_ptr<float>(), g.data_ptr<float>(), s.data_ptr<float>(), p.numel(), clr,
                             weight_decay, eps);
      else
        adagrad_fused<double>(p.data_ptr<double>(), g.data_ptr<double>(), s.data_ptr<double>(), p.numel(), clr,
                              weight_decay, eps);
      continue;
    }
    at::Tensor grad = weight_decay != 0 ? g.add(p, weight_decay) : g;
    s.addcmul_(grad, grad, 1);
    at::Tensor std_ = s.sqrt().add_(eps);
    p.addcdiv_(grad, std_, -clr);
  }
  CDT_CATCH
}

// State tensors for n parameters in one call: zeros (or `value`) shaped and typed like each parameter,
// not requiring grad. Writes n new handles into `out`.
CDT_API int cdt_optim_state_like(void** params, int n, double value, void** out) {
  CDT_TRY
  at::NoGradGuard no_grad;
  for (int i = 0; i < n; ++i) {
    const at::Tensor& p = cdt::T(params[i]);
    out[i] = cdt::wrap(at::full_like(p, value, at::MemoryFormat::Contiguous));
  }
  CDT_CATCH
}

