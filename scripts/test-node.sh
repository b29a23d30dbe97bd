#!/usr/bin/env bash
# The Node package (node/): installs its dev tools, builds the native addon with the napi
# CLI (dev profile, the workspace's target dir), runs the tests (node --test) and the
# TypeScript check, then packs the package and installs the tarball in a fresh folder
# where cargo is not on PATH, and runs a smoke test there. Fails loudly if the addon did
# not build.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# Same target dir and profile as the rest of CI (see scripts/test-all.sh): the napi CLI
# passes --target <host>, so the host triple must be the cargo build target everywhere.
export CARGO_BUILD_TARGET="${CARGO_BUILD_TARGET:-$(rustc -vV | sed -n 's/^host: //p')}"
export CARGO_PROFILE_DEV_DEBUG=0
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

step() { printf '\n==> node: %s\n' "$*"; }

cd node
step "npm install (not npm ci: npm rejects the napi CLI's lockfile for optional platform packages)"
npm install --no-audit --no-fund

step "build the addon (napi build, dev profile)"
rm -f gemini-image.*.node
npm run build
addon=$(ls gemini-image.*.node 2>/dev/null | head -n1 || true)
if [ -z "$addon" ] || [ ! -s "$addon" ]; then
  echo "node: the native addon was not built (no gemini-image.*.node in node/)" >&2
  exit 1
fi
node -e "const g = require('./'); if (typeof g.Client !== 'function') throw new Error('the addon loaded without Client'); console.log('addon', '$addon', 'version', g.version)"

step "tests (node --test)"
node --test --test-reporter=spec __test__/

step "types (tsc --noEmit --strict on examples/typed.ts)"
npx tsc --noEmit --strict -p tsconfig.json

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

step "npm install ./node from another project builds the addon with cargo (its install script)"
mkdir -p "$tmp/from-source"
(
  cd "$tmp/from-source"
  printf '{ "name": "from-source", "version": "1.0.0", "private": true }\n' >package.json
  # Forced (the addon built above is already in node/) and in the dev profile (CI's cache).
  GEMINI_IMAGE_FORCE_BUILD=1 GEMINI_IMAGE_BUILD_PROFILE=dev npm install --no-audit --no-fund --foreground-scripts "$root/node" 2>&1 | tee install.log
  grep -q "gemini-image: installed gemini-image\." install.log || { echo "node: the install script did not build the addon" >&2; exit 1; }
  node -e "const { Client } = require('gemini-image'); if (typeof Client !== 'function') process.exit(1)"
)

step "npm pack, then install the tarball where cargo is not on PATH"
tarball=$(npm pack --silent --pack-destination "$tmp" | tail -n1)
echo "packed $tarball ($(du -h "$tmp/$tarball" | cut -f1))"
tar -tzf "$tmp/$tarball" >"$tmp/contents.txt"
if ! grep -qx "package/$addon" "$tmp/contents.txt"; then
  echo "node: the tarball does not carry $addon" >&2
  exit 1
fi
nocargo=""
IFS=: read -ra dirs <<<"$PATH"
for dir in "${dirs[@]}"; do
  [ -n "$dir" ] && [ ! -e "$dir/cargo" ] && [ ! -e "$dir/rustc" ] && nocargo="${nocargo:+$nocargo:}$dir"
done
mkdir -p "$tmp/app"
cp __test__/smoke/smoke.cjs __test__/smoke/smoke.mjs "$tmp/app/"
(
  cd "$tmp/app"
  export PATH="$nocargo"
  if command -v cargo >/dev/null 2>&1; then
    echo "node: cargo is still on PATH for the tarball test" >&2
    exit 1
  fi
  printf '{ "name": "smoke-app", "version": "1.0.0", "private": true }\n' >package.json
  npm install --no-audit --no-fund --offline "$tmp/$tarball" 2>&1 || npm install --no-audit --no-fund "$tmp/$tarball"
  node smoke.cjs
  node smoke.mjs
  npx --no-install gemini-image generate "a lighthouse at dusk" --emulator -o lighthouse
  ls lighthouse.*
)
step "node package ok"
