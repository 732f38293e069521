#!/usr/bin/env bash
# Ring allreduce bus bandwidth, ours (RingAllreduce over the cluster's TCP transport) against Gloo (libtorch c10d
# ProcessGroupGloo, bench/anchors/allreduce_bench.cpp), interleaved in one run:
#   bench/run-allreduce.sh [ROUNDS=2] [BUDGET=2] [WORLDS="2 3 4"] [SIZES=4M,64M]
# Per round and world size N: ours, then Gloo, each with the same sizes and budget, so load from other work on a
# shared host hits both sides alike. Prints every row, then per (N, size) the median over rounds of each side's
# busbw and the ratio ours/Gloo (>= 1: ours is at least as fast).
# Threads: Gloo ranks run at::set_num_threads(1) and ProcessGroupGloo threads=2 (PyTorch's default); our members
# run .NET's default thread pool with workstation, non-concurrent GC (see the launcher's header line).
set -euo pipefail
rounds="${1:-2}"; budget="${2:-2}"; worlds="${3:-2 3 4}"; sizes="${4:-4M,64M}"
root="$(cd "$(dirname "$0")/.." && pwd)"
art="${BENCH_ARTIFACTS:-/tmp/art-bench-allreduce}"
anchors="${ANCHOR_BUILD:-/tmp/anchors-build}"
# The anchor is built from bench/anchors into a folder outside the tree (the Makefile's BIN).
if [ ! -x "$anchors/allreduce_bench" ]; then
  command -v g++ >/dev/null && [ -d /usr/include/gloo ] || { echo "needs g++ and libgloo-dev (deploy/setup-host.sh --bench)" >&2; exit 2; }
  mkdir -p "$anchors"
  make -C "$root/bench/anchors" BIN="$anchors" "$anchors/allreduce_bench" >&2
fi
dotnet build "$root/bench/Allreduce" -c Release --artifacts-path "$art" -v q -nologo >&2
dll="$art/bin/ActorCodistill.Bench.Allreduce/release/ActorCodistill.Bench.Allreduce.dll"
out="$(mktemp)"
uptime | tee -a "$out"
for r in $(seq "$rounds"); do
  for n in $worlds; do
    dotnet "$dll" --world "$n" --sizes "$sizes" --budget "$budget" --csv | tee -a "$out"
    # The anchor lets each rank pick its own warm-up count, so ranks can enter different collectives and Gloo
    # aborts (pair.cc "op.preamble.length <= op.nbytes"); a retry is a fresh start of the same measurement.
    for attempt in 1 2 3; do
      if "$anchors/allreduce_bench" --world "$n" --sizes "$sizes" --budget "$budget" --csv > "$out.g" 2>&1; then
        tee -a "$out" < "$out.g"; break
      fi
      echo "# gloo attempt $attempt failed: $(grep -m1 -E 'enforce|error|failed' "$out.g" || true)" | tee -a "$out"
    done
  done
done
uptime | tee -a "$out"
echo
echo "# summary: median over $rounds rounds of busbw (GB/s, median iteration time each); budget ${budget}s/size"
/usr/bin/python3 - "$out" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.strip().split(",")
    if len(f) == 9 and f[0] in ("ours_allreduce", "gloo_allreduce"):
        rows.setdefault((int(f[1]), int(f[2])), {}).setdefault(f[0][:4], []).append(float(f[8]))
print("| N | size | ours busbw | Gloo busbw | ratio ours/Gloo | per-round (ours; Gloo) |")
print("|---|---|---|---|---|---|")
for (n, size), sides in sorted(rows.items()):
    o, g = sides.get("ours", []), sides.get("gloo", [])
    if o and g:
        mo, mg = statistics.median(o), statistics.median(g)
        print(f"| {n} | {size >> 20} MiB | {mo:.3f} | {mg:.3f} | {mo / mg:.2f} | "
              f"{', '.join(f'{v:.3f}' for v in o)}; {', '.join(f'{v:.3f}' for v in g)} |")
PY
rm -f "$out" "$out.g"
