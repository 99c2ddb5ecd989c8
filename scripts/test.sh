#!/usr/bin/env bash
# Set up a fresh machine and run the whole test suite: the README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
scripts/install-test-tools.sh
. scripts/venv.sh
venv_ensure '.[test,toolchains]'
# The tests use their own settings, never .env, and the machine's Redis on 6379 (or one they start).
REDIS_URL=redis://127.0.0.1:6379/0 scripts/start-redis.sh
# Lint and types first: they take seconds and name the exact line.
python -m ruff check .
python -m ruff format --check .
python -m mypy
python -m pytest "$@"
