// Optimizer updates: one shim call per step for ALL parameters (per-call overhead decides the
// small-model step time). The math is PyTorch 1.13's single-tensor implementations
// (torch/optim/{sgd,adam,adagrad}.py). State tensors are created by the managed optimizer
// (it owns and saves them); here they are only updated in place, under no-grad.
//
// Contiguous CPU float32/float64 tensors take a fused loop: one pass over param, grad and state
// instead of PyTorch's 4-6 separate elementwise passes (memory-bound; the embedding tables make
// this most of the optimizer's cost). Anything else (CUDA, half, strided) takes the ATen path,
// which is the reference formula line for line.
#include "shim.h"
#include <ATen/Parallel.h>
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
    const at::Tensor& g = p.grad();
    if (!g.defined()) continue;
    at::Tensor* buf = (momentum != 0 && bufs) ? &cdt::T(bufs[i]) : nullptr;
    sgd_one(p, g, buf, lr, momentum, dampening, weight_decay, nesterov != 0, buf && !initialized[i]);
    if (buf) initialized[i] = 1;
  }
  CDT_CATCH
}

// `steps[i]` is parameter i's own step count (PyTorch keeps one per parameter); incremented here.
CDT_API int cdt_optim_adam_step(void** params, void** exp_avgs, void** exp_avg_sqs, int64_t* steps, int n, double lr,
                                double beta1, double beta2, double eps, double weight_decay) {
  CDT_TRY
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
  at::NoGradGuard no_grad;
  for (int i = 0; i < n; ++i) {
    at::Tensor& p = cdt::T(params[i]);
    const at::Tensor& g = p.grad();
    if (!g.defined()) continue;
    TORCH_CHECK(!g.is_sparse(), "adagrad: sparse gradients are not supported by this binding");
    at::Tensor& s = cdt::T(sums[i]);
    const int64_t step = ++steps[i];
    const double clr = lr / (1 + static_cast<double>(step - 1) * lr_decay);
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

