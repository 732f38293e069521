#!/usr/bin/env bash
# A PNG of a dashboard page, taken by Debian's headless chromium (as the docs' screenshots were):
#   deploy/dashboard-screenshot.sh URL OUT.png [WIDTH,HEIGHT]
# e.g. deploy/dashboard-screenshot.sh "http://127.0.0.1:8050/#compare=runA,runB" docs/images/dashboard-compare.png 1400,1500
# The page keeps its live stream open (chromium would wait for it to end), so the shot is taken after 10 s of real time (on a busy machine the run list and an overlay can take seconds to load:
# look at the PNG, and take it again if a chart is still empty).
set -euo pipefail
url="${1:?usage: dashboard-screenshot.sh URL OUT.png [WIDTH,HEIGHT]}"
out="${2:?usage: dashboard-screenshot.sh URL OUT.png [WIDTH,HEIGHT]}"
size="${3:-1400,1600}"
chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || { echo "dashboard-screenshot.sh: no chromium; deploy/setup-host.sh --tests installs it" >&2; exit 1; }
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
sandbox=()
[ "$(id -u)" -eq 0 ] && sandbox=(--no-sandbox)
timeout 120 "$chromium" "${sandbox[@]}" --headless=new --disable-gpu --hide-scrollbars --user-data-dir="$profile" --no-first-run \
  --window-size="$size" --timeout=10000 --screenshot="$out" "$url" 2>/dev/null
echo "dashboard-screenshot.sh: $out"
