#!/usr/bin/env bash
# Start a local redis-server for REDIS_URL (default redis://127.0.0.1:6379/0) unless one already answers.
# It keeps an append-only file in .data/redis/PORT, so queued jobs survive a restart. A REDIS_URL naming
# another host is left alone: that Redis is someone else's to run.
set -euo pipefail
cd "$(dirname "$0")/.."
url=${REDIS_URL:-redis://127.0.0.1:6379/0}
# redis://[[user]:password@]host[:port][/db]
rest=${url#*://}
rest=${rest%%/*}
password=
if [[ $rest == *@* ]]; then
  credentials=${rest%@*}
  rest=${rest##*@}
  [[ $credentials == *:* ]] && password=${credentials#*:}
fi
if [[ $rest == \[*\]* ]]; then   # [::1]:6379
  host=${rest%%]*}; host=${host#[}; after=${rest#*]}; port=${after#:}
else
  host=${rest%%:*}; port=${rest#"$host"}; port=${port#:}
fi
port=${port:-6379}
host=${host:-127.0.0.1}
# TLS (rediss://), a unix socket or another host: not ours to start. The bot waits REDIS_WAIT_S for it at
# start-up and then names REDIS_URL if it does not answer.
if [ "${url%%://*}" != redis ] || ! [[ $host =~ ^(localhost|127\.0\.0\.1|::1)$ ]]; then
  echo "start-redis.sh: REDIS_URL does not name a plain redis:// on this machine; not starting one"
  exit 0
fi
# REDISCLI_AUTH keeps the password off redis-cli's command line.
answers() { REDISCLI_AUTH=$password redis-cli -h "$host" -p "$port" ping 2>/dev/null | grep -q PONG; }
if answers; then
  exit 0
fi
if ! [[ $port =~ ^[0-9]+$ ]]; then
  echo "start-redis.sh: REDIS_URL has port '$port', not a number" >&2
  exit 1
fi
bind=127.0.0.1
[ "$host" = "::1" ] && bind=::1
dir="$PWD/.data/redis/$port"
mkdir -p "$dir"
args=(--daemonize yes --bind "$bind" --port "$port" --dir "$dir" --logfile "$dir/redis.log"
  --pidfile "$dir/redis.pid" --appendonly yes --appendfsync everysec --save "")
# The password goes through stdin as a config line, not the command line that `ps` shows.
if [ -n "$password" ]; then
  printf 'requirepass "%s"\n' "$password" | redis-server - "${args[@]}"
else
  redis-server "${args[@]}"
fi
for _ in $(seq 1 100); do
  answers && exit 0
  sleep 0.1
done
echo "start-redis.sh: redis-server did not answer on $host:$port; see $dir/redis.log" >&2
exit 1
