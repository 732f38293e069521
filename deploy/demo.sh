#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job: an embedded codistillation run
# (2 groups x 2 workers, LSTM language model on the King James Bible) with progress on the console.
# It serves the live dashboard (hocon/demo.conf: dashboard.enabled) and prints its address, "dashboard: http://...".
# Extra arguments go to the train command, e.g. deploy/demo.sh --baseline, or --dashboard 127.0.0.1:8050
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/setup-host.sh
export OMP_WAIT_POLICY=PASSIVE
dotnet build src/Coordinator -c Release -nologo -v quiet -warnaserror
exec dotnet run --project src/Coordinator -c Release --no-build -- train --config hocon/demo.conf "$@"
