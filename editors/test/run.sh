#!/usr/bin/env bash
# The TextMate grammar test (ctest: editors_grammar_test): installs vscode-textmate and
# vscode-oniguruma from npm into editors/test/node_modules (gitignored) when missing,
# then tokenizes every .flow in the repository (tokenize.js). Exits 77 (skipped) with a
# message when node or npm is missing or the npm registry cannot be reached.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "SKIP: node and npm are needed for the grammar test (scripts/install-deps.sh installs them)"
  exit 77
fi
if [ ! -f "$here/node_modules/vscode-textmate/package.json" ] ||
   [ ! -f "$here/node_modules/vscode-oniguruma/package.json" ]; then
  if ! (cd "$here" && timeout 300 npm install --no-audit --no-fund --no-package-lock \
          --loglevel=error >"$here/npm-install.log" 2>&1); then
    echo "SKIP: could not install vscode-textmate / vscode-oniguruma from the npm registry:"
    tail -5 "$here/npm-install.log" || true
    exit 77
  fi
fi
exec node "$here/tokenize.js" "$root"
