#!/usr/bin/env bash
# Vendors the dashboard's charting library (uPlot, from the npm registry) into src/Coordinator/Dashboard/wwwroot/vendor/,
# which the build embeds into the Coordinator (docs/dashboard.md). The page never fetches anything at run time.
# Idempotent: does nothing when the pinned version is already there. Run by deploy/setup-host.sh and, when the folder
# is missing, by the Coordinator's build (src/Coordinator/ActorCodistill.Coordinator.csproj, target VendorWeb).
# Needs npm (Debian: nodejs + npm; setup-host.sh installs it when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

name=uplot
version=1.6.32
# npm's own integrity string for the tarball (sha512, base64): checked here as well, so a changed upload is refused.
integrity="sha512-KIMVnG68zvu5XXUbC4LQEPnhwOxBuLyW1AHtpm6IKTXImkbLgkMy+jabjLgSLMasNuGGzQm/ep3tOkyTxpiQIw=="
dest=src/Coordinator/Dashboard/wwwroot/vendor
stamp="$dest/.$name-$version"

if [ -f "$stamp" ] && [ -f "$dest/uPlot.iife.min.js" ] && [ -f "$dest/uPlot.min.css" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "vendor-web.sh: npm is missing; run deploy/setup-host.sh (it installs nodejs and npm) or install npm, then build again" >&2
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "$name@$version" --silent >/dev/null)
tarball="$work/$name-$version.tgz"
if [ ! -f "$tarball" ]; then
  echo "vendor-web.sh: npm pack $name@$version gave no $name-$version.tgz" >&2
  exit 1
fi
actual="$(node -e 'const c = require("crypto"), fs = require("fs");
process.stdout.write("sha512-" + c.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"))' "$tarball")"
if [ "$actual" != "$integrity" ]; then
  echo "vendor-web.sh: $name-$version.tgz has integrity $actual, expected $integrity; refusing it" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$work" package/dist/uPlot.iife.min.js package/dist/uPlot.min.css package/LICENSE
mkdir -p "$dest"
cp "$work/package/dist/uPlot.iife.min.js" "$work/package/dist/uPlot.min.css" "$dest/"
cp "$work/package/LICENSE" "$dest/uPlot.LICENSE"
rm -f "$dest"/.$name-*
touch "$stamp"
echo "vendor-web.sh: $name $version -> $dest"
