#!/usr/bin/env bash
# Installs what is missing, builds everything, runs every test. Used by .ci/run.
# Extra arguments go to `dotnet test` (e.g. --filter "Category=Unit").
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/setup-host.sh --tests
export OMP_WAIT_POLICY=PASSIVE
# A throwaway PostgreSQL on a unix socket, so the persistence contract runs against both stores.
export CODISTILL_PG="$(deploy/pg-test.sh start)"
trap 'deploy/pg-test.sh stop >/dev/null 2>&1 || true' EXIT
# Test runs keep their tokenizer caches and runs out of the user's home.
export CODISTILL_CACHE="${CODISTILL_CACHE:-$(mktemp -d)/cache}"
dotnet build ActorCodistill.sln -c Release -nologo -warnaserror
log="$(mktemp)"
status=0
dotnet test ActorCodistill.sln -c Release --no-build --nologo --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log" || status=$?
# One closing line over every test assembly.
awk '/^(Passed|Failed)! +- Failed:/ {
       for (i = 1; i <= NF; i++) {
         if ($i == "Failed:")  { f += $(i+1) + 0 }
         if ($i == "Passed:")  { p += $(i+1) + 0 }
         if ($i == "Skipped:") { s += $(i+1) + 0 }
       }
     }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
