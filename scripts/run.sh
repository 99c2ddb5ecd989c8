#!/usr/bin/env bash
# Set up a fresh machine and run the bot: the webhook receiver and one worker against a local Redis.
# Settings come from the environment or from .env (see .env.example), which the bot reads itself.
# Exits non-zero, saying which, as soon as the receiver or the worker stops.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
. scripts/venv.sh
# Runtime dependencies only; pytest too, because the worker tests Python repositories with its own
# interpreter (as the Docker image does).
venv_ensure '.[toolchains]' pytest
REDIS_URL=$(python -m core.startup redis-url)
REDIS_URL=$REDIS_URL scripts/start-redis.sh

pids=()
stop_children() {
  trap - EXIT INT TERM
  [ ${#pids[@]} -gt 0 ] || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  # A worker finishes its Celery shutdown quickly; one that does not is killed after 30 s.
  for _ in $(seq 1 300); do
    kill -0 "${pids[@]}" 2>/dev/null || break
    sleep 0.1
  done
  # Each child leads its own process group (set -m): this also ends a worker's pool processes.
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
# Background children of a script ignore SIGINT, so Ctrl-C and SIGTERM are passed on by hand.
trap 'stop_children; exit 130' INT
trap 'stop_children; exit 143' TERM
trap stop_children EXIT

set -m
codellama-bot worker --concurrency "${WORKER_CONCURRENCY:-1}" &
worker=$!
pids+=("$worker")
codellama-bot serve --host "${HOST:-0.0.0.0}" --port "${PORT:-8000}" &
receiver=$!
pids+=("$receiver")
set +m

status=0
wait -n "$worker" "$receiver" || status=$?
if ! kill -0 "$worker" 2>/dev/null; then
  which="the worker (codellama-bot worker)"
  other="the webhook receiver"
else
  which="the webhook receiver (codellama-bot serve)"
  other="the worker"
fi
echo "run.sh: $which exited with status $status; stopping $other" >&2
stop_children
exit $((status == 0 ? 1 : status))
