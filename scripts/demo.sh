#!/usr/bin/env bash
# The README's main job: record against the AWS stand-in, then replay offline, and say what happened.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
exec .venv/bin/python -m scripts.demo "$@"
