#!/usr/bin/env bash
# JavaScript the browser tests inject into pages: axe-core, the accessibility rules engine, from
# the npm registry at a pinned version, into .js-deps/ (kept out of git). Only when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
AXE_VERSION=4.10.3
DIR=.js-deps
installed=$(node -p "require('./$DIR/node_modules/axe-core/package.json').version" 2>/dev/null || true)
if [[ "$installed" != "$AXE_VERSION" ]]; then
  echo "test-deps: installing axe-core $AXE_VERSION into $DIR"
  mkdir -p "$DIR"
  npm install --prefix "$DIR" --no-save --no-package-lock --no-audit --no-fund "axe-core@$AXE_VERSION"
fi
echo "test-deps: axe-core $AXE_VERSION present"
