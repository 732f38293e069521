#!/usr/bin/env bash
# Codistillation step overhead, ours against PyTorch, in one run with the same thread settings:
#   bench/run-codistill.sh [ROUNDS=2] [THREADS=1] [BLAS_THREADS=1] [BUDGET=10]
# Per round: bench/Codistill (C#: (a) baseline, (b) teacher in the critical path, (c) 2-member group with and
# without the teacher forward overlapped with the allreduce), bench/Codistill/step_demo.py (PyTorch, demo size,
# lstm vs codistill) and the anchor bench/anchors/step_bench.py (PyTorch, its own default size:
# it has no size flags) with --models lstm,codistill. Defaults 1/1 are hocon/demo.conf's threads. OMP_WAIT_POLICY
# is passed through (PASSIVE is needed when torch threads > 1) and printed.
set -euo pipefail
rounds="${1:-2}"; threads="${2:-1}"; blas="${3:-1}"; budget="${4:-10}"
root="$(cd "$(dirname "$0")/.." && pwd)"
art="${BENCH_ARTIFACTS:-/tmp/art-bench-codistill}"
py=/usr/bin/python3   # Debian's python3-torch; the pyenv shim on PATH has no torch
dotnet build "$root/bench/Codistill" -c Release --artifacts-path "$art" -v q -nologo >&2
dll="$art/bin/ActorCodistill.Bench.Codistill/release/ActorCodistill.Bench.Codistill.dll"
out="$(mktemp)"
uptime | tee -a "$out"
echo "# threads: torch=$threads blas=$blas OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-(unset)}" | tee -a "$out"
for r in $(seq "$rounds"); do
  dotnet "$dll" --threads "$threads" --blas-threads "$blas" --budget "$budget" | tee -a "$out"
  "$py" "$root/bench/Codistill/step_demo.py" --threads "$threads" --blas-threads "$blas" --budget "$budget" | tee -a "$out"
  "$py" "$root/bench/anchors/step_bench.py" --models lstm,codistill --threads "$threads" --blas-threads "$blas" \
    --budget "$budget" --csv | tee -a "$out"
done
uptime | tee -a "$out"
echo
echo "# summary: medians over rounds of per-run median step times (ms); threads torch=$threads blas=$blas OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-(unset)}"
"$py" - "$out" <<'PY'
import statistics, sys
ms = {}
for line in open(sys.argv[1]):
    f = line.strip().split(",")
    if f[0] == "step" and len(f) >= 9:
        # The anchor's rows have no blas column: its median is field 6, ours and step_demo.py's field 7.
        ms.setdefault((f[1], f[2]), []).append(float(f[6] if f[1] == "python" else f[7]))
def m(impl, name):
    v = ms.get((impl, name))
    return statistics.median(v) if v else float("nan")
print("| side | baseline ms | codistill ms | ratio | note |")
print("|---|---|---|---|---|")
a = m("csharp", "a_baseline")
print(f"| C# (a) / (b) teacher in critical path | {a:.1f} | {m('csharp', 'b_codistill_serial'):.1f} | {m('csharp', 'b_codistill_serial') / a:.2f} | one worker, demo model |")
c0 = m("csharp", "c0_group_baseline")
for name, label in (("c1_group_serial", "(c1) group, teacher serial"), ("c2_group_overlap", "(c2) group, teacher overlapped")):
    c = m("csharp", name)
    print(f"| C# {label} | {c0:.1f} (c0) | {c:.1f} | {c / c0:.2f} vs c0; {c / a:.2f} vs (a) | 2 members, in-process ring |")
p = m("python-demo", "lstm")
print(f"| PyTorch demo size | {p:.1f} | {m('python-demo', 'codistill'):.1f} | {m('python-demo', 'codistill') / p:.2f} | bench/Codistill/step_demo.py |")
q = m("python", "lstm")
print(f"| PyTorch anchor, default size | {q:.1f} | {m('python', 'codistill'):.1f} | {m('python', 'codistill') / q:.2f} | steps/step_bench.py: 8192/256/512, batch 32x32 |")
PY
rm -f "$out"
