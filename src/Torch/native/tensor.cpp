// Tensor creation, properties, copy in/out, conversions, grad mode, thread settings.
#include "shim.h"
#include <dlfcn.h>
#include <cstdlib>
#include <cstring>

using cdt::T;
using cdt::wrap;

namespace {
at::TensorOptions options(int dtype, int dev_type, int dev_index, int requires_grad) {
  return at::TensorOptions()
      .dtype(cdt::dtype_of(dtype))
      .device(cdt::device_of(dev_type, dev_index))
      .requires_grad(requires_grad != 0);
}
at::IntArrayRef dims(const int64_t* shape, int ndim) { return at::IntArrayRef(shape, static_cast<size_t>(ndim)); }

// Copies between a caller buffer of `dtype` and a tensor: the tensor side is converted on the fly,
// so a float16 tensor can be read into a float span in one call.
void check_count(const at::Tensor& t, int64_t count, const char* what) {
  TORCH_CHECK(t.numel() == count, what, ": the tensor has ", t.numel(), " elements but the buffer holds ", count);
}
}  // namespace

CDT_API int cdt_tensor_from_data(const void* data, int64_t count, int data_dtype, const int64_t* shape, int ndim,
                                 int dtype, int dev_type, int dev_index, int requires_grad, void** out) {
  CDT_TRY
  auto cpu = at::empty(dims(shape, ndim), at::TensorOptions().dtype(cdt::dtype_of(data_dtype)));
  check_count(cpu, count, "tensor");
  if (count > 0) std::memcpy(cpu.data_ptr(), data, static_cast<size_t>(count) * cpu.element_size());
  auto t = cpu.to(cdt::device_of(dev_type, dev_index), cdt::dtype_of(dtype));
  if (requires_grad) t.requires_grad_(true);
  *out = wrap(std::move(t));
  CDT_CATCH
}

// kind: 0 empty, 1 zeros, 2 ones, 3 full(value), 4 randn, 5 rand, 6 randint[low, high)
CDT_API int cdt_tensor_factory(int kind, const int64_t* shape, int ndim, double value, int64_t low, int64_t high,
                               int dtype, int dev_type, int dev_index, int requires_grad, void** out) {
  CDT_TRY
  // Random draws are made without requires_grad and flagged afterwards so they stay leaves.
  auto o = options(dtype, dev_type, dev_index, 0);
  auto s = dims(shape, ndim);
  at::Tensor t;
  switch (kind) {
    case 0: t = at::empty(s, o); break;
    case 1: t = at::zeros(s, o); break;
    case 2: t = at::ones(s, o); break;
    case 3: t = at::full(s, value, o); break;
    case 4: t = at::randn(s, o); break;
    case 5: t = at::rand(s, o); break;
    case 6: t = at::randint(low, high, s, o); break;
    default: TORCH_CHECK(false, "unknown factory kind ", kind);
  }
  if (requires_grad) t.requires_grad_(true);
  *out = wrap(std::move(t));
  CDT_CATCH
}

CDT_API int cdt_tensor_arange(double start, double end, double step, int dtype, int dev_type, int dev_index, void** out) {
  CDT_TRY
  *out = wrap(at::arange(start, end, step, options(dtype, dev_type, dev_index, 0)));
  CDT_CATCH
}

// Fills shape into buf (capacity cap) and the rank into ndim; ndim > cap means call again with a larger buffer.
CDT_API int cdt_tensor_shape(void* t, int64_t* buf, int cap, int* ndim) {
  CDT_TRY
  auto sizes = T(t).sizes();
  *ndim = static_cast<int>(sizes.size());
  for (int i = 0; i < *ndim && i < cap; ++i) buf[i] = sizes[i];
  CDT_CATCH
}

// Everything cheap about a tensor in one call: rank, numel, dtype code, device, grad flags.
CDT_API int cdt_tensor_info(void* t, int* ndim, int64_t* numel, int* dtype, int* dev_type, int* dev_index,
                            int* requires_grad, int* is_leaf) {
  CDT_TRY
  auto& x = T(t);
  *ndim = static_cast<int>(x.dim());
  *numel = x.numel();
  *dtype = cdt::code_of(x.scalar_type());
  *dev_type = x.device().is_cuda() ? 1 : 0;
  *dev_index = x.device().has_index() ? x.device().index() : -1;
  *requires_grad = x.requires_grad() ? 1 : 0;
  *is_leaf = x.is_leaf() ? 1 : 0;
  CDT_CATCH
}

CDT_API int cdt_tensor_copy_out(void* t, void* dst, int64_t count, int dst_dtype) {
  CDT_TRY
  auto& x = T(t);
  check_count(x, count, "copy out");
  at::NoGradGuard no_grad;
  auto c = x.detach().to(at::kCPU, cdt::dtype_of(dst_dtype)).contiguous();
  if (count > 0) std::memcpy(dst, c.data_ptr(), static_cast<size_t>(count) * c.element_size());
  CDT_CATCH
}

CDT_API int cdt_tensor_copy_in(void* t, const void* src, int64_t count, int src_dtype) {
  CDT_TRY
  auto& x = T(t);
  check_count(x, count, "copy in");
  auto cpu = at::empty(x.sizes(), at::TensorOptions().dtype(cdt::dtype_of(src_dtype)));
  if (count > 0) std::memcpy(cpu.data_ptr(), src, static_cast<size_t>(count) * cpu.element_size());
  at::NoGradGuard no_grad;
  x.copy_(cpu);
  CDT_CATCH
}

CDT_API int cdt_tensor_item(void* t, double* value) {
  CDT_TRY
  *value = T(t).item<double>();
  CDT_CATCH
}

CDT_API int cdt_tensor_item_long(void* t, int64_t* value) {
  CDT_TRY
  *value = T(t).item<int64_t>();
  CDT_CATCH
}

CDT_API int cdt_tensor_to(void* t, int dtype, int dev_type, int dev_index, void** out) {
  CDT_TRY
  auto& x = T(t);
  auto device = dev_type < 0 ? x.device() : cdt::device_of(dev_type, dev_index);
  auto type = dtype < 0 ? x.scalar_type() : cdt::dtype_of(dtype);
  *out = wrap(x.to(device, type));
  CDT_CATCH
}

// kind: 0 clone, 1 detach, 2 contiguous, 3 zero_ (returns self), 4 alias (a second handle to the same tensor)
CDT_API int cdt_tensor_basic(void* t, int kind, void** out) {
  CDT_TRY
  auto& x = T(t);
  switch (kind) {
    case 0: *out = wrap(x.clone()); break;
    case 1: *out = wrap(x.detach()); break;
    case 2: *out = wrap(x.contiguous()); break;
    case 3: { at::NoGradGuard g; x.zero_(); *out = nullptr; break; }
    case 4: *out = wrap(x); break;
    default: TORCH_CHECK(false, "unknown basic kind ", kind);
  }
  CDT_CATCH
}

CDT_API int cdt_tensor_copy_(void* dst, void* src) {
  CDT_TRY
  T(dst).copy_(T(src));
  CDT_CATCH
}

// Autograd ---------------------------------------------------------------------------------------
CDT_API int cdt_tensor_set_requires_grad(void* t, int value) {
  CDT_TRY
  T(t).requires_grad_(value != 0);
  CDT_CATCH
}

// *out is null when the tensor has no grad yet.
CDT_API int cdt_tensor_grad(void* t, void** out) {
  CDT_TRY
  const auto& g = T(t).grad();
  *out = g.defined() ? wrap(g) : nullptr;
  CDT_CATCH
}

CDT_API int cdt_tensor_set_grad(void* t, void* grad) {
  CDT_TRY
  T(t).mutable_grad() = grad ? T(grad) : at::Tensor();
  CDT_CATCH
}

CDT_API int cdt_tensor_backward(void* t, void* gradient, int retain_graph) {
  CDT_TRY
  auto& x = T(t);
  at::Tensor g = gradient ? T(gradient) : at::Tensor();
  x.backward(g, retain_graph ? c10::optional<bool>(true) : c10::nullopt);
  CDT_CATCH
}

CDT_API int cdt_set_grad_enabled(int enabled) {
  CDT_TRY
  at::GradMode::set_enabled(enabled != 0);
  CDT_CATCH
}

CDT_API int cdt_is_grad_enabled(int* enabled) {
  CDT_TRY
  *enabled = at::GradMode::is_enabled() ? 1 : 0;
  CDT_CATCH
}

// Threads ------------------------------------------------------------------------------------------
namespace {
// OpenBLAS keeps its own thread pool that at::set_num_threads does not reach. The shim is loaded
// RTLD_LOCAL by .NET, so RTLD_DEFAULT may not see libtorch's BLAS: fall back to the already-loaded libraries.
void* find_blas_symbol(const char* name) {
  if (void* s = dlsym(RTLD_DEFAULT, name)) return s;
  for (const char* lib : {"libopenblas.so.0", "libblas.so.3", "libopenblasp.so.0"}) {
    if (void* h = dlopen(lib, RTLD_LAZY | RTLD_NOLOAD)) {
      void* s = dlsym(h, name);
      dlclose(h);
      if (s) return s;
    }
  }
  return nullptr;
}
}  // namespace

// n <= 0 only queries. *found = 0 when no OpenBLAS is loaded; *current = -1 when unknown.
CDT_API int cdt_blas_threads(int n, int* found, int* current) {
  CDT_TRY
  using set_fn = void (*)(int);
  using get_fn = int (*)();
  auto set = reinterpret_cast<set_fn>(find_blas_symbol("openblas_set_num_threads"));
  auto get = reinterpret_cast<get_fn>(find_blas_symbol("openblas_get_num_threads"));
  *found = set ? 1 : 0;
  if (set && n > 0) set(n);
  *current = get ? get() : -1;
  CDT_CATCH
}

// Number of CUDA devices this libtorch build can use (0 on the CPU-only Debian build).
CDT_API int cdt_cuda_device_count(int* count) {
  CDT_TRY
  *count = torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0;
  CDT_CATCH
}
