#!/usr/bin/env bash
# Step-time comparison in one run: TorchSharp 0.107 (bench/TorchSharp, libtorch 2.10) and PyTorch 1.13
# (bench/python/step_bench.py, Debian's python3-torch); and the retired binding (bench/Torch of commit 9fe4459 or
# earlier, libtorch 1.13) when BINDING_DLL names its built ActorCodistill.Bench.Torch.dll:
#   bench/run-steps.sh [ROUNDS=2] [THREADS=1] [BLAS_THREADS=2] [BUDGET=10]
# Every round runs one process per model per variant, interleaved, the order rotated by one between rounds, with the
# same thread settings everywhere, so load from other work on a shared host hits all variants alike. Variants (the
# impl column of the rows):
#   python              PyTorch, glibc malloc defaults (the anchor's setting)
#   python_tuned        PyTorch with GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4294967295
#                       (the same allocator setting as TorchSharp's --malloc-tuned)
#   csharp              the binding (glibc malloc defaults; only with BINDING_DLL: src/Torch was removed on 2026-12-07,
#                       its numbers beside TorchSharp's are in docs/bench-torch.md)
#   torchsharp          TorchSharp with --malloc-tuned (mallopt M_MMAP_MAX=0, M_TRIM_THRESHOLD=INT_MAX)
#   torchsharp_untuned  TorchSharp with --no-malloc-tuned
# For ctr each round also runs Python's sparse ctr (ctr_sparse: nn.Embedding(sparse=True) + PyTorch's sparse Adagrad)
# and the binding's dense ctr (ctr_dense), and TorchSharp's ctr with the product's FusedAdagrad (ctr_fused); for lstm,
# TorchSharp's lstm with the product's FusedAdam (lstm_fused: the product's LSTM step since 2026-12-08); the
# binding's ctr is sparse, TorchSharp's and Python's ctr are dense.
# --blas-threads sets OpenBLAS's own pool for python and the binding; TorchSharp's libtorch has MKL on the torch pool
# and ignores it. OMP_WAIT_POLICY is passed through (set it to PASSIVE when torch threads > 1: OpenMP's default
# spin-wait fights OpenBLAS for the cores). BENCH_MODELS (default "lstm ctr") picks the models; BENCH_VARIANTS
# (default the four without the binding, all five with BINDING_DLL) the variants.
set -euo pipefail
rounds="${1:-2}"; threads="${2:-1}"; blas="${3:-2}"; budget="${4:-10}"
root="$(cd "$(dirname "$0")/.." && pwd)"
art="${BENCH_ARTIFACTS:-/tmp/art-bench-torch}"
py=/usr/bin/python3   # Debian's python3-torch; the pyenv shim on PATH has no torch
tunables="glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4294967295"
if [ -n "${BINDING_DLL:-}" ]; then default_variants="python python_tuned csharp torchsharp torchsharp_untuned"
else default_variants="python python_tuned torchsharp torchsharp_untuned"; fi
variants=(${BENCH_VARIANTS:-$default_variants})
for v in "${variants[@]}"; do
  case "$v" in
    csharp) [ -f "${BINDING_DLL:-}" ] || { echo "variant csharp needs BINDING_DLL (bench/Torch built from commit 9fe4459 or earlier)" >&2; exit 2; } ;;
    torchsharp*) build_ts=1 ;;
  esac
done
[ -n "${build_ts:-}" ] && dotnet build "$root/bench/TorchSharp" -c Release --artifacts-path "$art" -v q -nologo >&2
dll="${BINDING_DLL:-}"
tsdll="$art/bin/ActorCodistill.Bench.TorchSharp/release/ActorCodistill.Bench.TorchSharp.dll"
out="$(mktemp)"
common=(--threads "$threads" --blas-threads "$blas" --budget "$budget")
load_start="$(uptime)"

# run VARIANT MODEL: one process; its rows carry the variant as impl.
run() {
  case "$1" in
    python) "$py" "$root/bench/python/step_bench.py" --models "$2" "${common[@]}" ;;
    python_tuned) GLIBC_TUNABLES="$tunables" "$py" "$root/bench/python/step_bench.py" --models "$2" "${common[@]}" \
                    | sed -e 's/^step,python,/step,python_tuned,/' -e "s/^# python /# python_tuned (GLIBC_TUNABLES=$tunables) /" ;;
    csharp) dotnet "$dll" --models "$2" "${common[@]}" ;;
    torchsharp) dotnet "$tsdll" --models "$2" --malloc-tuned "${common[@]}" ;;
    torchsharp_untuned) dotnet "$tsdll" --models "$2" --no-malloc-tuned "${common[@]}" ;;
    *) echo "unknown variant $1" >&2; exit 2 ;;
  esac
}

for r in $(seq "$rounds"); do
  for model in ${BENCH_MODELS:-lstm ctr}; do
    jobs=()
    for v in "${variants[@]}"; do jobs+=("$v $model"); done
    if [ "$model" = lstm ]; then
      for v in "${variants[@]}"; do [ "$v" = torchsharp ] && jobs+=("torchsharp lstm_fused"); done
    fi
    if [ "$model" = ctr ]; then
      for v in "${variants[@]}"; do
        case "$v" in python) jobs+=("python ctr_sparse") ;; csharp) jobs+=("csharp ctr_dense") ;; torchsharp) jobs+=("torchsharp ctr_fused") ;; esac
      done
    fi
    # Rotate the order by one per round, so a slot that is systematically slower (the first process after a build
    # or after another runtime) does not always fall on the same variant.
    n=${#jobs[@]}; k=$(( (r - 1) % n ))
    for j in $(seq 0 $((n - 1))); do
      read -r v m <<<"${jobs[$(( (j + k) % n ))]}"
      run "$v" "$m" | tee -a "$out"
    done
  done
done
echo
echo "# load average: start: $load_start"
echo "# load average: end:   $(uptime)"
echo "# summary: median of per-run medians (and ratio of the fastest single steps); threads torch=$threads blas=$blas OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-(unset)}; python_tuned GLIBC_TUNABLES=$tunables"
"$py" - "$out" <<'PY'
import statistics, sys
runs, checks = {}, {}
for line in open(sys.argv[1]):
    if line.startswith("step,"):
        f = line.strip().split(",")
        runs.setdefault((f[2], f[1]), []).append((float(f[7]), float(f[6])))
        checks.setdefault((f[2], f[1]), set()).add(f"{f[9]}->{f[12]}@{f[11]}" if len(f) > 12 else f[9])

def med(model, impl):
    p = runs.get((model, impl), [])
    return (statistics.median(v for v, _ in p), min(b for _, b in p)) if p else (None, None)

# 1. The binding against PyTorch (glibc defaults on both sides), as before: (row, python model, C# model).
rows = [("lstm (a)", "lstm", "lstm"), ("ctr (b): py dense vs C# sparse", "ctr", "ctr"),
        ("ctr (b): py sparse vs C# sparse", "ctr_sparse", "ctr"), ("ctr (b): py dense vs C# dense", "ctr", "ctr_dense")]
print("\n## binding (csharp) vs PyTorch (python)\n")
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

# 2. Every variant on its own row.
order = ["python", "python_tuned", "csharp", "torchsharp", "torchsharp_untuned"]
print("\n## every variant\n")
print("| model | variant | ms/step | best step ms | per-run medians | loss first->check@step |")
print("|---|---|---|---|---|---|")
for model in ["lstm", "lstm_fused", "ctr", "ctr_fused", "ctr_sparse", "ctr_dense"]:
    for impl in order:
        p = runs.get((model, impl), [])
        if p:
            m, b = med(model, impl)
            label = {"csharp": "csharp (binding, sparse)" if model == "ctr" else "csharp (binding)"}.get(impl, impl)
            print(f"| {model} | {label} | {m:.1f} | {b:.1f} | {', '.join(f'{v:.1f}' for v, _ in p)} | "
                  f"{' '.join(sorted(checks[(model, impl)]))} |")

# 3. The ratios the goals need: reference ms / TorchSharp ms (> 1: TorchSharp is faster).
if any(impl == "torchsharp" for _, impl in runs):
    print("\n## TorchSharp (tuned malloc) against the others: reference ms / torchsharp ms (> 1: TorchSharp faster)\n")
    print("| model | reference | reference ms | torchsharp ms | ratio | ratio of best steps | goal |")
    print("|---|---|---|---|---|---|---|")
ratios = [("lstm_fused", "python_tuned", "lstm", ">= 1.0 (the product's step: FusedAdam, same allocator)"),
          ("lstm_fused", "python", "lstm", "(the product's step, anchor's setting)"),
          ("ctr_fused", "python_tuned", "ctr", ">= 1.1 (the product's step: FusedAdagrad, same allocator)"),
          ("ctr_fused", "python", "ctr", "(the product's step, anchor's setting)"),
          ("ctr_fused", "python", "ctr_sparse", "(the product's step vs PyTorch's sparse Adagrad)"),
          ("lstm", "python_tuned", "lstm", ">= 1.0 (same allocator)"), ("lstm", "python", "lstm", ""),
          ("lstm", "csharp", "lstm", ">= 0.9 (binding)"), ("lstm", "torchsharp_untuned", "lstm", "(malloc effect)"),
          ("ctr", "python_tuned", "ctr", ">= 1.1 (dense, same allocator)"), ("ctr", "python", "ctr", ">= 1.1 (dense, anchor's setting)"),
          ("ctr", "csharp", "ctr", "(binding, sparse)"), ("ctr", "csharp", "ctr_dense", "(binding, dense)"),
          ("ctr", "torchsharp_untuned", "ctr", "(malloc effect)")]
for model, ref, refmodel, goal in ratios:
    (mr, br), (mt, bt) = med(refmodel, ref), med(model, "torchsharp")
    if mr is not None and mt is not None:
        print(f"| {model} | {ref} {refmodel} | {mr:.1f} | {mt:.1f} | {mr / mt:.2f} | {br / bt:.2f} ({br:.1f} / {bt:.1f}) | {goal} |")

# 4. Do TorchSharp's losses match Python's? (same seed and init order: lstm should agree to 4 decimals; ctr's Adagrad
#    steps are sign-like at first, so GEMM rounding (MKL vs OpenBLAS) moves ctr's check loss in the 3rd-4th decimal.)
lines = []
for model in ["lstm", "ctr"]:
    ts, pyl = checks.get((model, "torchsharp"), set()) | checks.get((model, "torchsharp_untuned"), set()), \
              checks.get((model, "python"), set()) | checks.get((model, "python_tuned"), set())
    if ts and pyl:
        lines.append(f"- {model}: python {' '.join(sorted(pyl))}; torchsharp {' '.join(sorted(ts))}: "
                     f"{'same' if ts == pyl else 'DIFFERENT'}")
if lines:
    print("\n## losses at the check step, TorchSharp vs python\n")
    print("\n".join(lines))
PY
rm -f "$out"
