#!/usr/bin/env bash
# Step-time comparison, binding vs PyTorch on the same libtorch, in one run:
#   bench/run-steps.sh [ROUNDS=2] [THREADS=1] [BLAS_THREADS=2] [BUDGET=10]
# Runs Python and C# interleaved (A/B, then B/A in the next round; one process per model per round) with identical thread settings,
# so load from other work on a shared host hits both sides alike, then prints per-side medians over all timed
# steps and the ratio python_ms / csharp_ms (> 1: the binding is faster). OMP_WAIT_POLICY is passed through
# (set it to PASSIVE when torch threads > 1: OpenMP's default spin-wait fights OpenBLAS for the cores).
# BENCH_MODELS (default "lstm ctr") picks the models. For ctr each round also runs Python's sparse ctr (ctr_sparse:
# nn.Embedding(sparse=True) + PyTorch's sparse Adagrad) and the binding's dense ctr (ctr_dense), so the summary has
# the binding's sparse ctr against both Python models and the two dense models against each other.
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
    pairs=("$model $model")
    [ "$model" = ctr ] && pairs+=("ctr_sparse ctr_dense")
    for pair in "${pairs[@]}"; do
      read -r pm cm <<<"$pair"
      # Odd rounds start with Python, even rounds with C#, so a slot that is systematically slower (the first
      # process after a build or after the other runtime) does not always fall on the same side.
      if [ $((r % 2)) -eq 1 ]; then
        "$py" "$root/bench/python/step_bench.py" --models "$pm" "${common[@]}" | tee -a "$out"
        dotnet "$dll" --models "$cm" "${common[@]}" | tee -a "$out"
      else
        dotnet "$dll" --models "$cm" "${common[@]}" | tee -a "$out"
        "$py" "$root/bench/python/step_bench.py" --models "$pm" "${common[@]}" | tee -a "$out"
      fi
    done
  done
done
echo
echo "# summary: median of per-run medians (and ratio of the fastest single steps); threads torch=$threads blas=$blas OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-(unset)}"
"$py" - "$out" <<'PY'
import statistics, sys
runs, checks = {}, {}
for line in open(sys.argv[1]):
    if line.startswith("step,"):
        f = line.strip().split(",")
        runs.setdefault((f[2], f[1]), []).append((float(f[7]), float(f[6])))
        checks.setdefault((f[2], f[1]), set()).add(f"{f[9]}->{f[12]}@{f[11]}" if len(f) > 12 else f[9])
# (row, python model, C# model): the binding's ctr is sparse; the anchor's (goal's) Python ctr is dense.
rows = [("lstm (a)", "lstm", "lstm"), ("ctr (b): py dense vs C# sparse", "ctr", "ctr"),
        ("ctr (b): py sparse vs C# sparse", "ctr_sparse", "ctr"), ("ctr (b): py dense vs C# dense", "ctr", "ctr_dense")]
print("| row | python ms/step | C# ms/step | ratio python/C# | ratio of best steps | per-run medians (python; C#) | loss first->check@step (python; C#) |")
print("|---|---|---|---|---|---|---|")
for name, pm, cm in rows:
    p, c = runs.get((pm, "python"), []), runs.get((cm, "csharp"), [])
    if p and c:
        mp, mc = statistics.median(v for v, _ in p), statistics.median(v for v, _ in c)
        bp, bc = min(b for _, b in p), min(b for _, b in c)
        print(f"| {name} | {mp:.1f} | {mc:.1f} | {mp / mc:.2f} | {bp / bc:.2f} ({bp:.1f} / {bc:.1f}) | "
              f"{', '.join(f'{v:.1f}' for v, _ in p)}; {', '.join(f'{v:.1f}' for v, _ in c)} | "
              f"{' '.join(sorted(checks[(pm, 'python')]))}; {' '.join(sorted(checks[(cm, 'csharp')]))} |")
PY
rm -f "$out"
