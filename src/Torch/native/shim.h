// Common definitions for the C ABI of the shim: every exported function returns 0 on success
// or 1 on failure, with libtorch's message kept in a thread-local buffer (cdt_last_error).
// No C++ exception ever crosses the ABI.
#pragma once
#include <torch/torch.h>
#include <string>

#define CDT_API extern "C" __attribute__((visibility("default")))

namespace cdt {
void set_error(const char* message);

// Tensors cross the ABI as heap-allocated at::Tensor handles, freed by cdt_tensor_free.
inline at::Tensor& T(void* handle) { return *static_cast<at::Tensor*>(handle); }
inline void* wrap(at::Tensor&& t) { return new at::Tensor(std::move(t)); }
inline void* wrap(const at::Tensor& t) { return new at::Tensor(t); }

// dtype codes shared with the managed side (ScalarType enum in Tensor.cs).
inline at::ScalarType dtype_of(int code) {
  switch (code) {
    case 0: return at::kFloat;
    case 1: return at::kHalf;
    case 2: return at::kLong;
    case 3: return at::kDouble;
    case 4: return at::kBool;
    case 5: return at::kInt;
    case 6: return at::kByte;
  }
  TORCH_CHECK(false, "unknown dtype code ", code);
}
inline int code_of(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return 0;
    case at::kHalf: return 1;
    case at::kLong: return 2;
    case at::kDouble: return 3;
    case at::kBool: return 4;
    case at::kInt: return 5;
    case at::kByte: return 6;
    default: return -1;
  }
}
// device: type 0 = cpu, 1 = cuda; index -1 = default.
inline at::Device device_of(int type, int index) {
  return at::Device(type == 1 ? at::kCUDA : at::kCPU, static_cast<c10::DeviceIndex>(index));
}
}  // namespace cdt

#define CDT_TRY try {
#define CDT_CATCH                                                        \
  }                                                                      \
  catch (const c10::Error& e) { cdt::set_error(e.what_without_backtrace()); return 1; } \
  catch (const std::exception& e) { cdt::set_error(e.what()); return 1; }                 \
  catch (...) { cdt::set_error("unknown C++ exception"); return 1; }                     \
  return 0;
