#!/usr/bin/env bash
# Installs what is missing, builds everything, runs every test. Used by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/setup-host.sh --tests
export OMP_WAIT_POLICY=PASSIVE
dotnet build ActorCodistill.sln -c Release -warnaserror
dotnet test ActorCodistill.sln -c Release --no-build --logger "console;verbosity=normal" "$@"
