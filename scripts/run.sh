#!/usr/bin/env bash
# Set up a fresh machine and run the bot: the webhook receiver and one worker against a local Redis.
# Settings come from the environment or from .env (see .env.example and the README's settings table).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
scripts/start-redis.sh
if [ -f .env ]; then set -a; . ./.env; set +a; fi
codellama-bot worker --concurrency "${WORKER_CONCURRENCY:-1}" &
worker=$!
trap 'kill "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true' EXIT
codellama-bot serve --host "${HOST:-0.0.0.0}" --port "${PORT:-8000}"
