// A small float32 GEMM for the recurrent step of the LSTM inference loop (nn.cpp): C = C_in + A * B with B fixed
// for the whole sequence, so it is packed once into column panels and every step reuses the packing. At the demo's
// sizes (A: 16 x 256 hidden states, B: 256 x 1024 recurrent weights) OpenBLAS re-packs B on every call and runs at
// about half of a core's FMA peak; with B packed the step GEMM runs at about 70-80% of it (docs/torch-api.md).
// AVX2 + FMA only, chosen at run time: callers check packed_gemm_available() and otherwise use at::addmm.
#pragma once
#include "shim.h"

namespace cdt {
// True when the CPU has AVX2 and FMA (checked once).
bool packed_gemm_available();

// B [K, N] (any strides) laid out as ceil(N / 16) panels of K rows x 16 columns, zero-padded on the right.
struct PackedB {
  at::Tensor panels;  // float32, 64-byte aligned by ATen's CPU allocator
  int64_t k = 0, n = 0;
};
PackedB pack_b(const at::Tensor& b);

// C[m, :] = C_in[m, :] + A[m, :] * B for m < M, row-major with the given leading dimensions (elements).
// C may be C_in. A is M x K. Requires packed_gemm_available().
void packed_gemm(int64_t m, const float* a, int64_t lda, const PackedB& b, const float* c_in, int64_t ldc_in,
                 float* c, int64_t ldc);
}  // namespace cdt
