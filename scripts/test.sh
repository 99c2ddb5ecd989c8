#!/usr/bin/env bash
# Set up a fresh machine and run the whole test suite: the README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
scripts/start-redis.sh   # the tests also start their own redis-server when none answers
# Lint and types first: they take seconds and name the exact line.
python3 -m ruff check .
python3 -m ruff format --check .
python3 -m mypy
python3 -m pytest "$@"
