// Sparse COO gradients: the embedding lookup that produces them (backward writes only the looked-up rows instead
// of a dense gradient of the whole table) and the few queries the managed side needs around them. The optimizer
// updates that consume them live in optim.cpp.
#include "shim.h"

using cdt::T;
using cdt::wrap;

// at::embedding with sparse=true: same forward as cdt_embedding, but backward leaves a sparse COO gradient
// (indices = the ids, values = the incoming gradient rows; duplicates not summed until coalesced).
CDT_API int cdt_embedding_sparse(void* ids, void* weight, void** out) {
  CDT_TRY
  *out = wrap(at::embedding(T(weight), T(ids), /*padding_idx=*/-1, /*scale_grad_by_freq=*/false, /*sparse=*/true));
  CDT_CATCH
}

CDT_API int cdt_tensor_is_sparse(void* t, int* out) {
  CDT_TRY
  *out = T(t).is_sparse() ? 1 : 0;
  CDT_CATCH
}

CDT_API int cdt_sparse_to_dense(void* t, void** out) {
  CDT_TRY
  at::NoGradGuard no_grad;
  const at::Tensor& x = T(t);
  *out = wrap(x.is_sparse() ? x.to_dense() : x.clone());
  CDT_CATCH
}

CDT_API int cdt_sparse_coalesce(void* t, void** out) {
  CDT_TRY
  at::NoGradGuard no_grad;
  const at::Tensor& x = T(t);
  TORCH_CHECK(x.is_sparse(), "coalesce: the tensor is not sparse");
  *out = wrap(x.coalesce());
  CDT_CATCH
}

// Number of stored (index, value) entries of a sparse tensor, duplicates included until coalesced.
CDT_API int cdt_sparse_nnz(void* t, int64_t* out) {
  CDT_TRY
  const at::Tensor& x = T(t);
  TORCH_CHECK(x.is_sparse(), "_nnz: the tensor is not sparse");
  *out = x._nnz();
  CDT_CATCH
}

// flags[i] = 1 when tensor i's .grad is a sparse tensor (0 when dense or missing); *any = 1 when one is.
CDT_API int cdt_sparse_grad_flags(void** tensors, int n, int32_t* flags, int32_t* any) {
  CDT_TRY
  *any = 0;
  for (int i = 0; i < n; ++i) {
    const at::Tensor& g = T(tensors[i]).grad();
    flags[i] = g.defined() && g.is_sparse() ? 1 : 0;
    if (flags[i]) *any = 1;
  }
  CDT_CATCH
}
