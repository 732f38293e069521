// Error buffer, tensor lifetime, runtime information (version, library path, threads).
#include "shim.h"
#include <dlfcn.h>
#include <cstring>

namespace cdt {
static thread_local std::string last_error;
void set_error(const char* message) { last_error = message ? message : ""; }
}  // namespace cdt

CDT_API const char* cdt_last_error() { return cdt::last_error.c_str(); }

CDT_API int cdt_tensor_free(void* t) {
  CDT_TRY
  delete static_cast<at::Tensor*>(t);
  CDT_CATCH
}

// Writes the libtorch version and the path of the loaded libtorch_cpu into the caller's buffers.
CDT_API int cdt_runtime_info(char* version, int version_len, char* path, int path_len) {
  CDT_TRY
  std::snprintf(version, version_len, "%s", TORCH_VERSION);
  Dl_info info{};
  const void* symbol = reinterpret_cast<const void*>(&at::get_num_threads);
  if (dladdr(symbol, &info) && info.dli_fname) std::snprintf(path, path_len, "%s", info.dli_fname);
  else std::snprintf(path, path_len, "%s", "(unknown)");
  CDT_CATCH
}

CDT_API int cdt_set_num_threads(int n) {
  CDT_TRY
  at::set_num_threads(n);
  CDT_CATCH
}

CDT_API int cdt_get_num_threads(int* n) {
  CDT_TRY
  *n = at::get_num_threads();
  CDT_CATCH
}

CDT_API int cdt_manual_seed(int64_t seed) {
  CDT_TRY
  torch::manual_seed(static_cast<uint64_t>(seed));
  CDT_CATCH
}
