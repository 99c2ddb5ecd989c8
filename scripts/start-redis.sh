#!/usr/bin/env bash
# Start a local redis-server on 127.0.0.1:6379 unless one already answers there.
set -euo pipefail
if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  exit 0
fi
mkdir -p /tmp/codellama-redis
redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
  --dir /tmp/codellama-redis --logfile /tmp/codellama-redis/redis.log
for _ in $(seq 1 100); do
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && exit 0
  sleep 0.1
done
echo "redis-server did not answer on 127.0.0.1:6379; see /tmp/codellama-redis/redis.log" >&2
exit 1
