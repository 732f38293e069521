#!/usr/bin/env bash
# Builds the native shim with CMake into $1 (called by the MSBuild target in ActorCodistill.Torch.csproj).
# Fails with one clear line naming the missing package.
set -euo pipefail
out="$1"
src="$(cd "$(dirname "$0")" && pwd)"
if ! command -v cmake >/dev/null 2>&1; then
  echo "error CDT001: cmake is not installed: run deploy/setup-host.sh (or apt-get install cmake g++)" >&2; exit 1
fi
if ! command -v g++ >/dev/null 2>&1 && ! command -v c++ >/dev/null 2>&1; then
  echo "error CDT002: no C++ compiler: run deploy/setup-host.sh (or apt-get install g++)" >&2; exit 1
fi
if [ ! -f /usr/lib/x86_64-linux-gnu/cmake/Torch/TorchConfig.cmake ] && [ -z "${Torch_DIR:-}" ]; then
  echo "error CDT003: libtorch is not installed: run deploy/setup-host.sh (or apt-get install libtorch-dev libopenblas0-pthread)" >&2; exit 1
fi
mkdir -p "$out"
# Concurrent builds (several test projects at once) share one native build folder.
exec 9>"$out/.lock"
flock 9
if [ ! -f "$out/CMakeCache.txt" ]; then
  cmake -S "$src" -B "$out" -DCMAKE_BUILD_TYPE=Release > "$out/configure.log" 2>&1 || { cat "$out/configure.log" >&2; echo "error CDT004: CMake could not configure the native shim (log above)" >&2; exit 1; }
fi
if ! cmake --build "$out" -j "$(nproc)" > "$out/build.log" 2>&1; then
  grep -v "^\[" "$out/build.log" >&2 || true
  echo "error CDT005: the native shim did not compile (compiler output above, full log in $out/build.log)" >&2; exit 1
fi
