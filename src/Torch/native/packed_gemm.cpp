// See packed_gemm.h. The kernel keeps a tile of R rows x 16 columns of C in 2R AVX registers (R <= 6, so 12
// accumulators + 2 panel loads + 1 broadcast fit in the 16 registers) and walks K once: per k, two loads of the
// panel row, R broadcasts of A and 2R fused multiply-adds. Panels are the outer loop so a panel (K x 16 floats,
// 16 KiB at K = 256) stays in L1 while every row tile of A passes over it.
#include "packed_gemm.h"
#include <immintrin.h>
#include <algorithm>

namespace cdt {
namespace {
constexpr int64_t kPanel = 16;
constexpr int64_t kRows = 6;

template <int R>
__attribute__((target("avx2,fma"))) inline void tile(const float* a, int64_t lda, const float* panel, int64_t k_len,
                                                     const float* c_in, int64_t ldc_in, float* c, int64_t ldc) {
  __m256 acc[R][2];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    acc[r][0] = _mm256_loadu_ps(c_in + r * ldc_in);
    acc[r][1] = _mm256_loadu_ps(c_in + r * ldc_in + 8);
  }
  for (int64_t k = 0; k < k_len; ++k) {
    const __m256 b0 = _mm256_load_ps(panel + k * kPanel);
    const __m256 b1 = _mm256_load_ps(panel + k * kPanel + 8);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m256 x = _mm256_broadcast_ss(a + r * lda + k);
      acc[r][0] = _mm256_fmadd_ps(x, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(x, b1, acc[r][1]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    _mm256_storeu_ps(c + r * ldc, acc[r][0]);
    _mm256_storeu_ps(c + r * ldc + 8, acc[r][1]);
  }
}

template <int R>
__attribute__((target("avx2,fma"))) void tile_rows(const float* a, int64_t lda, const float* panel, int64_t k_len,
                                                   int64_t cols, const float* c_in, int64_t ldc_in, float* c,
                                                   int64_t ldc) {
  if (cols == kPanel) {
    tile<R>(a, lda, panel, k_len, c_in, ldc_in, c, ldc);
    return;
  }
  // The last, partial panel: through a zero-padded buffer of R x 16.
  alignas(32) float in[R * kPanel] = {};
  alignas(32) float out[R * kPanel];
  for (int r = 0; r < R; ++r) std::copy(c_in + r * ldc_in, c_in + r * ldc_in + cols, in + r * kPanel);
  tile<R>(a, lda, panel, k_len, in, kPanel, out, kPanel);
  for (int r = 0; r < R; ++r) std::copy(out + r * kPanel, out + r * kPanel + cols, c + r * ldc);
}

__attribute__((target("avx2,fma"))) void run(int64_t m, const float* a, int64_t lda, const PackedB& b,
                                             const float* c_in, int64_t ldc_in, float* c, int64_t ldc) {
  const float* panels = b.panels.data_ptr<float>();
  const int64_t count = (b.n + kPanel - 1) / kPanel;
  for (int64_t p = 0; p < count; ++p) {
    const float* panel = panels + p * b.k * kPanel;
    const int64_t col = p * kPanel, cols = std::min(kPanel, b.n - col);
    int64_t r = 0;
    for (; r + kRows <= m; r += kRows)
      tile_rows<kRows>(a + r * lda, lda, panel, b.k, cols, c_in + r * ldc_in + col, ldc_in, c + r * ldc + col, ldc);
    const float* ar = a + r * lda;
    const float* ci = c_in + r * ldc_in + col;
    float* co = c + r * ldc + col;
    switch (m - r) {
      case 1: tile_rows<1>(ar, lda, panel, b.k, cols, ci, ldc_in, co, ldc); break;
      case 2: tile_rows<2>(ar, lda, panel, b.k, cols, ci, ldc_in, co, ldc); break;
      case 3: tile_rows<3>(ar, lda, panel, b.k, cols, ci, ldc_in, co, ldc); break;
      case 4: tile_rows<4>(ar, lda, panel, b.k, cols, ci, ldc_in, co, ldc); break;
      case 5: tile_rows<5>(ar, lda, panel, b.k, cols, ci, ldc_in, co, ldc); break;
      default: break;
    }
  }
}
}  // namespace

bool packed_gemm_available() {
  static const bool available = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return available;
}

PackedB pack_b(const at::Tensor& b) {
  TORCH_CHECK(b.dim() == 2 && b.scalar_type() == at::kFloat && b.device().is_cpu(),
              "pack_b: B must be a 2-D float32 CPU tensor, got ", b.sizes(), " ", b.scalar_type());
  PackedB packed;
  packed.k = b.size(0);
  packed.n = b.size(1);
  const int64_t count = (packed.n + kPanel - 1) / kPanel;
  packed.panels = at::zeros({count, packed.k, kPanel}, b.options().memory_format(at::MemoryFormat::Contiguous));
  // Panel p holds columns [16p, 16p + 16): a [K, 16] slice of B (zero past column N).
  for (int64_t p = 0; p < count; ++p) {
    const int64_t col = p * kPanel, cols = std::min(kPanel, packed.n - col);
    packed.panels.select(0, p).narrow(1, 0, cols).copy_(b.narrow(1, col, cols));
  }
  return packed;
}

void packed_gemm(int64_t m, const float* a, int64_t lda, const PackedB& b, const float* c_in, int64_t ldc_in,
                 float* c, int64_t ldc) {
  TORCH_CHECK(packed_gemm_available(), "packed_gemm: this CPU has no AVX2/FMA");
  run(m, a, lda, b, c_in, ldc_in, c, ldc);
}
}  // namespace cdt
