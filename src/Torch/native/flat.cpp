// Flat views for exchange between workers: a fixed list of tensors (or their gradients) copied
// to or from one contiguous host buffer of float32 or float16, in list order, in one call.
// Each tensor's slice of the buffer is wrapped with from_blob and moved with one copy_
// (vectorised, converts dtype and device), so there is no per-element loop on either side.
#include "shim.h"

namespace {
at::Tensor& source_of(void* handle, bool grads) {
  at::Tensor& t = cdt::T(handle);
  return grads ? t.mutable_grad() : t;
}
}  // namespace

// direction 0: tensors -> buffer (export); 1: buffer -> tensors (import).
// dtype_code: 0 float32, 1 float16 (codes of shim.h). `count` is the buffer's length in elements;
// it must equal the tensors' total element count. On export, a missing gradient is written as zeros;
// on import, a missing gradient is created.
CDT_API int cdt_flat_copy(void** tensors, int n, int grads, int direction, void* buffer, int64_t count,
                          int dtype_code) {
  CDT_TRY
  TORCH_CHECK(dtype_code == 0 || dtype_code == 1, "flat buffer dtype must be float32 or float16, got code ",
              dtype_code);
  const at::ScalarType dtype = cdt::dtype_of(dtype_code);
  int64_t total = 0;
  for (int i = 0; i < n; ++i) total += cdt::T(tensors[i]).numel();
  TORCH_CHECK(total == count, "flat buffer holds ", count, " elements but the ", n, " tensors hold ", total);
  at::NoGradGuard no_grad;
  const auto options = at::TensorOptions().dtype(dtype).device(at::kCPU);
  const int64_t elem = at::elementSize(dtype);
  int64_t offset = 0;
  for (int i = 0; i < n; ++i) {
    const at::Tensor& owner = cdt::T(tensors[i]);
    const int64_t numel = owner.numel();
    at::Tensor slice = at::from_blob(static_cast<char*>(buffer) + offset * elem, {numel}, options);
    offset += numel;
    if (numel == 0) continue;
    at::Tensor& t = source_of(tensors[i], grads != 0);
    if (direction == 0) {
      if (t.defined()) slice.copy_(t.reshape({numel}));
      else slice.zero_();
      continue;
    }
    if (!t.defined()) t = at::zeros_like(owner, at::MemoryFormat::Contiguous);
    if (t.is_contiguous()) {
      t.view({numel}).copy_(slice);
    } else {
      t.copy_(slice.view(t.sizes()));
    }
  }
  CDT_CATCH
}

// Total element count of the list (for sizing a buffer without a managed loop over shapes).
CDT_API int cdt_flat_count(void** tensors, int n, int64_t* count) {
  CDT_TRY
  int64_t total = 0;
  for (int i = 0; i < n; ++i) total += cdt::T(tensors[i]).numel();
  *count = total;
  CDT_CATCH
}
