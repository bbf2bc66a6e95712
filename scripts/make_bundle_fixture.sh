#!/usr/bin/env bash
# Regenerate fixtures/bundle/{base,pr}/ from fixtures/bundle/src-{base,pr}/
# with a pinned esbuild + preact, then the expected-*.json size files.
#
# Usage: scripts/make_bundle_fixture.sh [WORKDIR]   (default /tmp/bundlefix)
# Needs: node + npm (npm registry), python3 with the `brotli` package.
# Everything npm installs goes into WORKDIR, never into the repository.
set -euo pipefail

ESBUILD_VERSION=0.28.2
PREACT_VERSION=11.2.0

repo="$(cd "$(dirname "$0")/.." && pwd)"
fix="$repo/fixtures/bundle"
work="${1:-/tmp/bundlefix}"

mkdir -p "$work"
cd "$work"
if [ ! -f package.json ]; then
  printf '{ "name": "bundlefix", "private": true }\n' > package.json
fi
if [ "$(npx --no-install esbuild --version 2>/dev/null || true)" != "$ESBUILD_VERSION" ] ||
   ! grep -q "\"version\": \"$PREACT_VERSION\"" node_modules/preact/package.json 2>/dev/null; then
  npm install --no-audit --no-fund --save-exact \
    "esbuild@$ESBUILD_VERSION" "preact@$PREACT_VERSION"
fi

for side in base pr; do
  # Same layout for both builds (src/ + node_modules/ in one folder), so that
  # the paths esbuild hashes and writes into meta.json / *.map are identical.
  rm -rf "$work/app"
  mkdir -p "$work/app"
  cp -r "$fix/src-$side" "$work/app/src"
  ln -s "$work/node_modules" "$work/app/node_modules"
  (
    cd "$work/app"
    npx --no-install esbuild src/index.js src/admin.js \
      --bundle --splitting --format=esm --minify \
      --outdir=dist \
      --entry-names='[name]-[hash]' \
      --chunk-names='chunks/[name]-[hash]' \
      --metafile=meta.json --sourcemap
  )
  rm -rf "${fix:?}/$side"
  cp -r "$work/app/dist" "$fix/$side"
  cp "$work/app/meta.json" "$fix/$side/meta.json"
done

cd "$repo"
for side in base pr; do
  # Every built asset except source maps and the metafile, sorted.
  mapfile -t files < <(find "fixtures/bundle/$side" -type f \
    ! -name '*.map' ! -name 'meta.json' | LC_ALL=C sort)
  # The reference (Python: canonical zlib + Google brotli).
  python3 scripts/bundle_sizes.py "${files[@]}" > "fixtures/bundle/expected-$side.json"
  # What the JS tools print (node's bundled Chromium zlib differs on gzip).
  python3 scripts/bundle_sizes.py --node "${files[@]}" > "fixtures/bundle/expected-$side.node.json"
  # Report every Python/node difference on stderr; differences are expected
  # for gzip only (see fixtures/bundle/README.md), so do not stop on them.
  python3 scripts/bundle_sizes.py --check-node "${files[@]}" > /dev/null || true
done
echo "wrote fixtures/bundle/{base,pr}/ and expected-{base,pr}{,.node}.json"
