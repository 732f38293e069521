#!/usr/bin/env bash
# Installs every system package an ActorCodistill host needs. Idempotent, non-interactive:
# it installs only what is missing and never prompts. Run as root (or with sudo available).
#   deploy/setup-host.sh            what a run needs (the data sets; libtorch itself comes with TorchSharp's NuGet package)
#   deploy/setup-host.sh --bench    also the anchors' packages (python3-torch with OpenBLAS pinned, Gloo through
#                                   libtorch-dev + libgloo-dev and g++, iperf3)
#   deploy/setup-host.sh --tests    also what the test suite needs (postgresql; chromium, which drives the dashboard's
#                                   browser tests headless)
# Every mode also vendors the dashboard's charting library from npm (deploy/vendor-web.sh; npm is installed when missing).
set -euo pipefail

want=(bible-kjv dataset-fashion-mnist)
# The dashboard's vendoring step runs npm; a machine with Node.js from elsewhere (nodesource) keeps its own.
command -v npm >/dev/null 2>&1 || want+=(nodejs npm)
for arg in "$@"; do
  case "$arg" in
    --bench) want+=(python3-torch libopenblas0-pthread libtorch-dev libgloo-dev g++ make iperf3) ;;
    --tests) want+=(postgresql chromium) ;;
    *) echo "setup-host.sh: unknown option '$arg' (known: --bench, --tests)" >&2; exit 2 ;;
  esac
done

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); else
    echo "setup-host.sh: not root and no sudo; install as root: ${want[*]}" >&2; exit 1; fi
fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup-host.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's libtorch (the PyTorch and Gloo anchors) runs every matrix product through the libblas.so.3 alternative;
# with Debian's reference BLAS selected it is ~16x slower, so pin the OpenBLAS (pthread) build where it is installed.
openblas=/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3
if [ -e "$openblas" ]; then
  current=$(readlink -f /etc/alternatives/libblas.so.3-x86_64-linux-gnu 2>/dev/null || true)
  if [ "$current" != "$openblas" ]; then
    "${sudo_cmd[@]}" update-alternatives --set libblas.so.3-x86_64-linux-gnu "$openblas"
  fi
fi

# The dashboard's uPlot, into the gitignored wwwroot/vendor folder the build embeds (docs/dashboard.md).
"$(dirname "$0")/vendor-web.sh"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup-host.sh: the .NET 10 SDK is missing (no Debian package provides it); install it and re-run" >&2
  exit 1
fi
