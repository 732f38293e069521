// Elementwise, reduction and shape ops. Ops of the same signature share one entry point with an op
// code (codes mirrored in NativeMethods.Ops.cs) to keep the export table and the P/Invoke surface small.
#include "shim.h"
#include <vector>

using cdt::T;
using cdt::wrap;

namespace {
at::IntArrayRef dims(const int64_t* d, int n) { return at::IntArrayRef(d, static_cast<size_t>(n)); }
}

CDT_API int cdt_binary(int op, void* a, void* b, void** out) {
  CDT_TRY
  auto& x = T(a);
  auto& y = T(b);
  at::Tensor r;
  switch (op) {
    case 0: r = at::add(x, y); break;
    case 1: r = at::sub(x, y); break;
    case 2: r = at::mul(x, y); break;
    case 3: r = at::div(x, y); break;
    case 4: r = at::matmul(x, y); break;
    case 5: r = at::pow(x, y); break;
    case 6: r = at::eq(x, y); break;
    case 7: r = at::gt(x, y); break;
    case 8: r = at::lt(x, y); break;
    case 9: r = at::maximum(x, y); break;
    case 10: r = at::minimum(x, y); break;
    case 11: r = at::ge(x, y); break;
    case 12: r = at::le(x, y); break;
    case 13: r = at::ne(x, y); break;
    default: TORCH_CHECK(false, "unknown binary op ", op);
  }
  *out = wrap(std::move(r));
  CDT_CATCH
}

CDT_API int cdt_binary_scalar(int op, void* a, double s, void** out) {
  CDT_TRY
  auto& x = T(a);
  at::Scalar v(s);
  at::Tensor r;
  switch (op) {
    case 0: r = at::add(x, v); break;
    case 1: r = at::sub(x, v); break;
    case 2: r = at::mul(x, v); break;
    case 3: r = at::div(x, v); break;
    case 5: r = at::pow(x, v); break;
    case 6: r = at::eq(x, v); break;
    case 7: r = at::gt(x, v); break;
    case 8: r = at::lt(x, v); break;
    case 11: r = at::ge(x, v); break;
    case 12: r = at::le(x, v); break;
    case 13: r = at::ne(x, v); break;
    case 14: r = at::rsub(x, v); break;
    case 15: r = at::mul(at::reciprocal(x), v); break;
    default: TORCH_CHECK(false, "unknown scalar op ", op);
  }
  *out = wrap(std::move(r));
  CDT_CATCH
}

// In place: b may be null, then s is the operand.
CDT_API int cdt_binary_(int op, void* a, void* b, double s) {
  CDT_TRY
  auto& x = T(a);
  if (b) {
    auto& y = T(b);
    switch (op) {
      case 0: x.add_(y); break;
      case 1: x.sub_(y); break;
      case 2: x.mul_(y); break;
      case 3: x.div_(y); break;
      default: TORCH_CHECK(false, "unknown in-place op ", op);
    }
  } else {
    at::Scalar v(s);
    switch (op) {
      case 0: x.add_(v); break;
      case 1: x.sub_(v); break;
      case 2: x.mul_(v); break;
      case 3: x.div_(v); break;
      default: TORCH_CHECK(false, "unknown in-place op ", op);
    }
  }
  CDT_CATCH
}

CDT_API int cdt_unary(int op, void* a, void** out) {
  CDT_TRY
  auto& x = T(a);
  at::Tensor r;
  switch (op) {
    case 0: r = at::neg(x); break;
    case 1: r = at::relu(x); break;
    case 2: r = at::tanh(x); break;
    case 3: r = at::sigmoid(x); break;
    case 4: r = at::exp(x); break;
    case 5: r = at::log(x); break;
    case 6: r = at::sqrt(x); break;
    case 7: r = at::abs(x); break;
    case 8: r = at::sum(x); break;
    case 9: r = at::mean(x); break;
    case 10: r = at::max(x); break;
    case 11: r = at::min(x); break;
    case 12: r = at::square(x); break;
    default: TORCH_CHECK(false, "unknown unary op ", op);
  }
  *out = wrap(std::move(r));
  CDT_CATCH
}

CDT_API int cdt_clamp(void* a, double min, int has_min, double max, int has_max, void** out) {
  CDT_TRY
  c10::optional<at::Scalar> lo = has_min ? c10::optional<at::Scalar>(min) : c10::nullopt;
  c10::optional<at::Scalar> hi = has_max ? c10::optional<at::Scalar>(max) : c10::nullopt;
  *out = wrap(at::clamp(T(a), lo, hi));
  CDT_CATCH
}

// op: 0 softmax, 1 log_softmax, 2 argmax(flag = keepdim), 3 unsqueeze, 4 squeeze(dim), 5 squeeze all
CDT_API int cdt_dim_op(int op, void* a, int64_t dim, int flag, void** out) {
  CDT_TRY
  auto& x = T(a);
  at::Tensor r;
  switch (op) {
    case 0: r = at::softmax(x, dim); break;
    case 1: r = at::log_softmax(x, dim); break;
    case 2: r = at::argmax(x, dim, flag != 0); break;
    case 3: r = at::unsqueeze(x, dim); break;
    case 4: r = at::squeeze(x, dim); break;
    case 5: r = at::squeeze(x); break;
    default: TORCH_CHECK(false, "unknown dim op ", op);
  }
  *out = wrap(std::move(r));
  CDT_CATCH
}

// op: 0 sum, 1 mean over the listed dims.
CDT_API int cdt_reduce(int op, void* a, const int64_t* d, int n, int keepdim, void** out) {
  CDT_TRY
  auto& x = T(a);
  *out = wrap(op == 0 ? at::sum(x, dims(d, n), keepdim != 0) : at::mean(x, dims(d, n), keepdim != 0));
  CDT_CATCH
}

// op: 0 reshape, 1 view, 2 permute, 3 expand
CDT_API int cdt_shape_op(int op, void* a, const int64_t* d, int n, void** out) {
  CDT_TRY
  auto& x = T(a);
  at::Tensor r;
  switch (op) {
    case 0: r = x.reshape(dims(d, n)); break;
    case 1: r = x.view(dims(d, n)); break;
    case 2: r = x.permute(dims(d, n)); break;
    case 3: r = x.expand(dims(d, n)); break;
    default: TORCH_CHECK(false, "unknown shape op ", op);
  }
  *out = wrap(std::move(r));
  CDT_CATCH
}

// op: 0 transpose(a, b), 1 flatten(a, b)
CDT_API int cdt_two_dim_op(int op, void* t, int64_t a, int64_t b, void** out) {
  CDT_TRY
  *out = wrap(op == 0 ? T(t).transpose(a, b) : T(t).flatten(a, b));
  CDT_CATCH
}

CDT_API int cdt_slice(void* t, int64_t dim, int64_t start, int64_t end, int64_t step, void** out) {
  CDT_TRY
  *out = wrap(T(t).slice(dim, start, end, step));
  CDT_CATCH
}

CDT_API int cdt_narrow(void* t, int64_t dim, int64_t start, int64_t length, void** out) {
  CDT_TRY
  *out = wrap(T(t).narrow(dim, start, length));
  CDT_CATCH
}

CDT_API int cdt_index_select(void* t, int64_t dim, void* index, void** out) {
  CDT_TRY
  *out = wrap(at::index_select(T(t), dim, T(index)));
  CDT_CATCH
}

// op: 0 cat, 1 stack
CDT_API int cdt_join(int op, void** tensors, int n, int64_t dim, void** out) {
  CDT_TRY
  std::vector<at::Tensor> list;
  list.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) list.push_back(T(tensors[i]));
  *out = wrap(op == 0 ? at::cat(list, dim) : at::stack(list, dim));
  CDT_CATCH
}

CDT_API int cdt_allclose(void* a, void* b, double rtol, double atol, int equal_nan, int* result) {
  CDT_TRY
  *result = at::allclose(T(a), T(b), rtol, atol, equal_nan != 0) ? 1 : 0;
  CDT_CATCH
}
