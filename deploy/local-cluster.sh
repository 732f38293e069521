#!/usr/bin/env bash
# A whole cluster run on this machine: one seed (coordinator, groups, broadcasters, journal) and N worker-node
# processes on loopback, each a real process talking TCP, as on separate hosts. Logs go to runs/local-cluster/,
# prefixed and followed on the terminal. Ctrl+C stops everything; otherwise the script ends when the seed does
# (the job finished or failed) and exits with the seed's exit code.
#
#   deploy/local-cluster.sh N [--slots S] [--config FILE] [--port P] [-- extra seed arguments]
#     N          worker nodes to start (each offers S CPU slots; the demo job needs 4 slots in all)
#     --slots    device slots per worker node (default: enough for the job, spread over the N nodes: ceil(4/N))
#     --config   seed config (default hocon/cluster.conf); worker nodes use hocon/worker.conf
#     --port     seed port (default 4053)
#     -- ...     passed to the seed, e.g. -- --run-name try2 --set training.steps=100
# Environment: CODISTILL_SECRET (a random one is made when unset), CODISTILL_ARTIFACTS (build into this artifacts
# path instead of src/*/bin, e.g. to keep apart from another checkout's build), CODISTILL_SKIP_SETUP=1 (skip
# deploy/setup-host.sh when the host is known to be set up).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

usage() { sed -n '6,15p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

[ $# -ge 1 ] || usage
nodes=$1; shift
[[ "$nodes" =~ ^[1-9][0-9]*$ ]] || { echo "local-cluster.sh: N must be a positive number of worker nodes, got '$nodes'" >&2; usage; }
slots=""
config=hocon/cluster.conf
port=4053
seed_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --slots) slots=${2:?--slots needs a number}; shift 2 ;;
    --config) config=${2:?--config needs a file}; shift 2 ;;
    --port) port=${2:?--port needs a number}; shift 2 ;;
    --) shift; seed_args=("$@"); break ;;
    -h|--help) usage ;;
    *) echo "local-cluster.sh: unknown option '$1'" >&2; usage ;;
  esac
done
[ -f "$config" ] || { echo "local-cluster.sh: config file '$config' does not exist" >&2; exit 2; }
config=$(cd "$(dirname "$config")" && pwd)/$(basename "$config")
if [ -z "$slots" ]; then slots=$(( (4 + nodes - 1) / nodes )); fi
[[ "$slots" =~ ^[1-9][0-9]*$ ]] || { echo "local-cluster.sh: --slots must be a positive number, got '$slots'" >&2; exit 2; }
[[ "$port" =~ ^[1-9][0-9]*$ ]] || { echo "local-cluster.sh: --port must be a port number, got '$port'" >&2; exit 2; }

if [ "${CODISTILL_SKIP_SETUP:-0}" != 1 ]; then deploy/setup-host.sh; fi
# Idle libtorch/OpenMP threads must sleep, not spin: several processes share the cores here.
export OMP_WAIT_POLICY=PASSIVE DOTNET_NOLOGO=1

build_args=(-c Release -nologo -v quiet)
property_args=(-p:Configuration=Release)
if [ -n "${CODISTILL_ARTIFACTS:-}" ]; then
  build_args+=(--artifacts-path "$CODISTILL_ARTIFACTS")
  property_args+=(-p:ArtifactsPath="$CODISTILL_ARTIFACTS" -p:UseArtifactsOutput=true)
fi
echo "building (Release)..."
dotnet build src/Coordinator "${build_args[@]}"
dotnet build src/Workers "${build_args[@]}"
# Ask MSBuild where the outputs went rather than guessing the layout (bin/ or an artifacts path).
coordinator_dll=$(dotnet msbuild src/Coordinator -getProperty:TargetPath "${property_args[@]}")
workers_dll=$(dotnet msbuild src/Workers -getProperty:TargetPath "${property_args[@]}")
for dll in "$coordinator_dll" "$workers_dll"; do
  [ -f "$dll" ] || { echo "local-cluster.sh: build output $dll is missing" >&2; exit 1; }
done

secret_note=""
if [ -z "${CODISTILL_SECRET:-}" ]; then
  CODISTILL_SECRET=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
  secret_note="export CODISTILL_SECRET=$CODISTILL_SECRET   # generated for this run; ctl needs it"
fi
export CODISTILL_SECRET

log_dir=$repo/runs/local-cluster
mkdir -p "$log_dir"
names=(seed)
for i in $(seq 1 "$nodes"); do names+=("worker-$i"); done
logs=()
for name in "${names[@]}"; do : > "$log_dir/$name.log"; logs+=("$log_dir/$name.log"); done

pids=()
tail_pid=""
seed_pid=""
stopping=0

# Stops every process this script started: SIGTERM first (worker nodes leave the cluster gracefully; the seed
# leaves its journal open, so the same command resumes the job), SIGKILL for whatever is left after 30 s.
stop_all() {
  local alive=() p
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive+=("$p"); done
  if [ ${#alive[@]} -gt 0 ]; then
    kill -TERM "${alive[@]}" 2>/dev/null || true
    for _ in $(seq 1 60); do
      local left=()
      for p in "${alive[@]}"; do kill -0 "$p" 2>/dev/null && left+=("$p"); done
      alive=("${left[@]+"${left[@]}"}")
      [ ${#alive[@]} -eq 0 ] && break
      sleep 0.5
    done
    if [ ${#alive[@]} -gt 0 ]; then
      echo "local-cluster.sh: still running after 30 s, killing: ${alive[*]}" >&2
      kill -KILL "${alive[@]}" 2>/dev/null || true
    fi
  fi
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ -n "$tail_pid" ]; then
    sleep 1  # let the follower print the last lines
    kill "$tail_pid" 2>/dev/null || true
    wait "$tail_pid" 2>/dev/null || true
  fi
}
on_signal() {
  [ "$stopping" = 1 ] && return
  stopping=1
  echo "local-cluster.sh: stopping the seed and the worker nodes (SIGTERM)..." >&2
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
}
trap on_signal INT TERM
trap stop_all EXIT

# Background processes of a non-interactive shell ignore SIGINT, so a Ctrl+C reaches only this script, which
# then decides the order; stdin is /dev/null for them.
dotnet "$coordinator_dll" seed --config "$config" --host 127.0.0.1 --port "$port" --seed-node "127.0.0.1:$port" \
  "${seed_args[@]+"${seed_args[@]}"}" > "$log_dir/seed.log" 2>&1 &
seed_pid=$!
pids+=("$seed_pid")
# Start order does not matter: a worker node keeps trying the seed until it answers.
for i in $(seq 1 "$nodes"); do
  dotnet "$workers_dll" --config "$repo/hocon/worker.conf" --seed "127.0.0.1:$port" --slots "$slots" --host 127.0.0.1 --port 0 \
    > "$log_dir/worker-$i.log" 2>&1 &
  pids+=("$!")
done

ctl="dotnet $coordinator_dll ctl --seed 127.0.0.1:$port"
cat <<EOF
==> local cluster: seed 127.0.0.1:$port (pid $seed_pid), $nodes worker node(s) x $slots slot(s)
$(for i in $(seq 1 "$nodes"); do echo "    worker-$i pid ${pids[$i]}"; done)
    config $config; logs in $log_dir/<name>.log
    ${secret_note:-CODISTILL_SECRET is taken from your environment}
==> try, from another terminal (in $repo):
    $ctl status
    $ctl weight 0.5
    $ctl reload-interval 25
    $ctl topology ring            (pairwise needs exactly 2 groups; ring and all-to-all take any number)
    $ctl drain 127.0.0.1:PORT   (a worker node's host:port or address, from its READY line or status)
    kill -9 ${pids[1]}                (worker-1 dies: its group regroups or pauses, the seed re-places its workers)
    $ctl stop
==> Ctrl+C stops everything.
EOF

# One follower for all logs; tail's "==> file <==" headers name the file the next lines come from. tail puts an
# empty line before each header, so empty lines are held back until the next line shows they were the log's own.
# The process substitution, unlike a background command, would die of the terminal's Ctrl+C: it ignores SIGINT.
tail -n +1 -F "${logs[@]}" 2>/dev/null > >(trap '' INT; exec awk -v dir="$log_dir/" '
  /^==> .* <==$/ { name = substr($0, 5, length($0) - 8); sub(dir, "", name); sub(/\.log$/, "", name); blank = 0; next }
  $0 == "" { blank++; next }
  { for (; blank > 0; blank--) printf "[%-8s]\n", name; printf "[%-8s] %s\n", name, $0; fflush() }') &
tail_pid=$!

# wait returns early when a trapped signal arrives; keep waiting until the seed itself has exited.
rc=0
while :; do
  if wait "$seed_pid"; then rc=0; else rc=$?; fi
  if [ "$rc" -gt 128 ] && kill -0 "$seed_pid" 2>/dev/null; then continue; fi
  break
done
echo "local-cluster.sh: the seed exited with code $rc"
exit "$rc"
