// torch.nn.functional: layers as functions and the losses. Reduction codes: 0 none, 1 mean, 2 sum,
// 3 batchmean (kl_div only: the sum divided by the first dimension, as PyTorch's F.kl_div does).
#include "shim.h"

using cdt::T;
using cdt::wrap;

namespace {
at::Tensor opt(void* h) { return h ? T(h) : at::Tensor(); }
int64_t reduction_of(int code) {
  switch (code) {
    case 0: return at::Reduction::None;
    case 1: return at::Reduction::Mean;
    case 2: return at::Reduction::Sum;
  }
  TORCH_CHECK(false, "reduction code ", code, " is not supported here (0 none, 1 mean, 2 sum)");
}
}  // namespace

CDT_API int cdt_linear(void* x, void* w, void* b, void** out) {
  CDT_TRY
  *out = wrap(at::linear(T(x), T(w), opt(b)));
  CDT_CATCH
}

CDT_API int cdt_layer_norm(void* x, const int64_t* shape, int n, void* w, void* b, double eps, void** out) {
  CDT_TRY
  *out = wrap(at::layer_norm(T(x), at::IntArrayRef(shape, static_cast<size_t>(n)), opt(w), opt(b), eps));
  CDT_CATCH
}

CDT_API int cdt_embedding(void* ids, void* weight, void** out) {
  CDT_TRY
  *out = wrap(at::embedding(T(weight), T(ids)));
  CDT_CATCH
}

CDT_API int cdt_dropout(void* x, double p, int training, void** out) {
  CDT_TRY
  *out = wrap(at::dropout(T(x), p, training != 0));
  CDT_CATCH
}

CDT_API int cdt_conv2d(void* x, void* w, void* b, int64_t sh, int64_t sw, int64_t ph, int64_t pw, void** out) {
  CDT_TRY
  *out = wrap(at::conv2d(T(x), T(w), opt(b), {sh, sw}, {ph, pw}));
  CDT_CATCH
}

CDT_API int cdt_max_pool2d(void* x, int64_t kh, int64_t kw, int64_t sh, int64_t sw, void** out) {
  CDT_TRY
  *out = wrap(at::max_pool2d(T(x), {kh, kw}, {sh, sw}));
  CDT_CATCH
}

// Float targets of the input's shape are class probabilities (soft targets); integer targets are indices.
CDT_API int cdt_cross_entropy(void* input, void* target, int reduction, void** out) {
  CDT_TRY
  *out = wrap(at::cross_entropy_loss(T(input), T(target), {}, reduction_of(reduction), -100, 0.0));
  CDT_CATCH
}

CDT_API int cdt_bce_with_logits(void* input, void* target, int reduction, void** out) {
  CDT_TRY
  *out = wrap(at::binary_cross_entropy_with_logits(T(input), T(target), {}, {}, reduction_of(reduction)));
  CDT_CATCH
}

CDT_API int cdt_kl_div(void* input, void* target, int reduction, int log_target, void** out) {
  CDT_TRY
  auto& x = T(input);
  if (reduction == 3) {
    auto sum = at::kl_div(x, T(target), at::Reduction::Sum, log_target != 0);
    *out = wrap(x.dim() == 0 ? sum : sum / x.size(0));
  } else {
    *out = wrap(at::kl_div(x, T(target), reduction_of(reduction), log_target != 0));
  }
  CDT_CATCH
}

CDT_API int cdt_mse_loss(void* input, void* target, int reduction, void** out) {
  CDT_TRY
  *out = wrap(at::mse_loss(T(input), T(target), reduction_of(reduction)));
  CDT_CATCH
}
