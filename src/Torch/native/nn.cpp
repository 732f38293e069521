// torch.nn pieces that have no single functional op on the managed side (the LSTM lives in lstm.cpp): PyTorch's
// in-place initialisers (so that a seeded module draws the same numbers from the same generator, in the same order,
// as Python's reset_parameters).
#include "shim.h"

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
