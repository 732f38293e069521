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
# A test that hangs (no test finishes in 10 minutes) stops its assembly with the test named, instead of the run
# sitting silent until CI's own limit: no dump is written, the name and the log are what we read.
dotnet test ActorCodistill.sln -c Release --no-build --nologo --logger "console;verbosity=normal" \
    --blame-hang --blame-hang-timeout 10m --blame-hang-dump-type none "$@" 2>&1 | tee "$log" || status=$?
# One closing line over every test assembly (the console logger prints a block per assembly:
# "Total tests: N", "Passed: N", "Failed: N", "Skipped: N").
awk '$1 == "Passed:"  && NF == 2 { p += $2 }
     $1 == "Failed:"  && NF == 2 { f += $2 }
     $1 == "Skipped:" && NF == 2 { s += $2 }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
# Failures again at the very end (CI shows only the tail of a long log): each "Failed <test>" line with the
# first lines of its message and stack, up to the next test's line.
if [ "$status" -ne 0 ]; then
    awk '/^  (Passed|Failed|Skipped) / { show = ($1 == "Failed"); n = 0 }
         /^\[xUnit.net .*\] *Finished:/ { show = 0 }
         show && n++ < 30 { print }
         /^The test running when the crash occurred:/ { crash = 2 }
         crash-- > 0 { print }' "$log"
    echo "tests: failed (full log: $log)"
fi
exit "$status"
