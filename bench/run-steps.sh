#!/usr/bin/env bash
# Step-time comparison, binding vs PyTorch on the same libtorch, in one run:
#   bench/run-steps.sh [ROUNDS=2] [THREADS=1] [BLAS_THREADS=2] [BUDGET=10]
# Runs Python and C# interleaved (A/B/A/B, one process per model per round) with identical thread settings,
# so load from other work on a shared host hits both sides alike, then prints per-side medians over all timed
# steps and the ratio python_ms / csharp_ms (> 1: the binding is faster). OMP_WAIT_POLICY is passed through
# (set it to PASSIVE when torch threads > 1: OpenMP's default spin-wait fights OpenBLAS for the cores).
set -euo pipefail
rounds="${1:-2}"; threads="${2:-1}"; blas="${3:-2}"; budget="${4:-10}"
root="$(cd "$(dirname "$0")/.." && pwd)"
art="${BENCH_ARTIFACTS:-/tmp/art-bench-torch}"
py=/usr/bin/python3   # Debian's python3-torch; the pyenv shim on PATH has no torch
dotnet build "$root/bench/Torch" -c Release --artifacts-path "$art" -v q -nologo >&2
dll="$art/bin/ActorCodistill.Bench.Torch/release/ActorCodistill.Bench.Torch.dll"
out="$(mktemp)"
common=(--threads "$threads" --blas-threads "$blas" --budget "$budget")
for r in $(seq "$rounds"); do
  for model in ${BENCH_MODELS:-lstm ctr}; do
    "$py" "$root/bench/python/step_bench.py" --models "$model" "${common[@]}" | tee -a "$out"
    dotnet "$dll" --models "$model" "${common[@]}" | tee -a "$out"
  done
done
echo
echo "# summary: median of per-run medians (and ratio of the fastest single steps); threads torch=$threads blas=$blas OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-(unset)}"
"$py" - "$out" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    if line.startswith("step,"):
        f = line.strip().split(",")
        runs.setdefault((f[2], f[1]), []).append((float(f[7]), float(f[6])))
print("| model | python ms/step | C# ms/step | ratio python/C# | ratio of best steps | per-run medians (python; C#) |")
print("|---|---|---|---|---|---|")
for model in ("lstm", "ctr"):
    p, c = runs.get((model, "python"), []), runs.get((model, "csharp"), [])
    if p and c:
        mp, mc = statistics.median(v for v, _ in p), statistics.median(v for v, _ in c)
        bp, bc = min(b for _, b in p), min(b for _, b in c)
        print(f"| {model} | {mp:.1f} | {mc:.1f} | {mp / mc:.2f} | {bp / bc:.2f} ({bp:.1f} / {bc:.1f}) | "
              f"{', '.join(f'{v:.1f}' for v, _ in p)}; {', '.join(f'{v:.1f}' for v, _ in c)} |")
PY
rm -f "$out"
