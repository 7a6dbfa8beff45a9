#!/usr/bin/env bash
# Start Yiwang for local use: the API (gunicorn, with the embedded notification dispatcher), the
# assistant's action server and the Rasa server, all on 127.0.0.1. Ctrl-C stops all of them together.
#   scripts/run.sh [path/to/model.tar.gz]
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
MODEL=${1:-}
# RASA_SERVERS: how many Rasa servers to start (ports 5005, 5006, ...); each takes about 1.4 GB and one core,
# and the API sends each conversation to one of them (docs/benchmarks.md, the assistant).
RASA_SERVERS=${RASA_SERVERS:-1}
rasa_ports=$(seq 5005 $((5004 + RASA_SERVERS)))
export DISPATCHER=${DISPATCHER:-embedded} NOTIFY_BACKEND=${NOTIFY_BACKEND:-log} RASA_TELEMETRY_ENABLED=false
export RASA_URL=${RASA_URL:-$(for p in $rasa_ports; do printf 'http://127.0.0.1:%s,' "$p"; done | sed 's/,$//')}
export ACTION_SERVER_URL=${ACTION_SERVER_URL:-http://127.0.0.1:5055}
# One OpenMP thread per embedding call: requests run side by side, and with two threads each on two cores
# the threads spin-wait for each other (e5 p95 400 ms instead of 30 ms under load, docs/benchmarks.md).
# One BLAS thread too: a second one fights the API's e5 engine for the cores (bench/search_bench.py).
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
RASA_TOKEN=${RASA_TOKEN:-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')}
# The action server's key to the API (X-Assistant-Key): its calls are limited per user, not per client.
export ASSISTANT_API_KEY=${ASSISTANT_API_KEY:-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')}
mkdir -p instance/logs
# Conversations survive a restart: Rasa's SQL tracker store (bot/conversation_store.py), by default its own
# SQLite file next to the API's. Several Rasa servers also share a Redis lock store, so two messages of one
# conversation are never processed at once (REDIS_LOCK_URL, default the local Redis).
export TRACKER_STORE_URL=${TRACKER_STORE_URL:-sqlite:///$PWD/instance/conversations.db}
endpoints=instance/rasa-endpoints.yml
cp bot/endpoints.yml "$endpoints"
if [ "$RASA_SERVERS" -gt 1 ]; then
  lock=${REDIS_LOCK_URL:-redis://127.0.0.1:6379/2}
  lock_host=$(echo "$lock" | sed -E 's#^redis://([^:/]+).*#\1#')
  lock_port=$(echo "$lock" | sed -E 's#^redis://[^:/]+:?([0-9]*).*#\1#')
  lock_db=$(echo "$lock" | sed -E 's#.*/([0-9]+)$#\1#')
  printf '\nlock_store:\n  type: redis\n  url: %s\n  port: %s\n  db: %s\n' "$lock_host" "${lock_port:-6379}" "${lock_db:-2}" >>"$endpoints"
fi

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; echo "Stopping ..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

# Workers, threads and the rest: gunicorn.conf.py (the image and compose use it too; WEB_CONCURRENCY overrides).
.venv/bin/gunicorn --config gunicorn.conf.py --bind "$HOST:$PORT" 'api:create_app()' &
pids+=($!)

if [ -n "$MODEL" ]; then
  (cd bot && SANIC_HOST=127.0.0.1 YIWANG_ASSISTANT_KEY="$ASSISTANT_API_KEY" YIWANG_API_URL="http://$HOST:$PORT/api/v1" exec .venv/bin/rasa run actions --actions actions \
     --port 5055 >../instance/logs/actions.log 2>&1) &
  pids+=($!)
  for port in $rasa_ports; do
    (cd bot && exec .venv/bin/python serve.py run --enable-api --auth-token "$RASA_TOKEN" -i 127.0.0.1 -p "$port" \
       --model "$MODEL" --endpoints "../$endpoints" --credentials credentials.yml >"../instance/logs/rasa-$port.log" 2>&1) &
    pids+=($!)
  done
fi

for _ in $(seq 1 120); do
  curl -fsS "http://$HOST:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done

cat <<MSG

  Yiwang (一网通办) is running.
    API         http://$HOST:$PORT/api/v1
    Swagger UI  http://$HOST:$PORT/api/v1/docs
    Health      http://$HOST:$PORT/healthz   http://$HOST:$PORT/readyz
    Assistant   POST http://$HOST:$PORT/api/v1/chat   (Rasa on 127.0.0.1:5005 takes about a minute to load;
                logs in instance/logs/, state in /readyz)

  Demo accounts (phone / password):
    citizen     13800000001 / Citizen#2026   (王小明, real-name verified)
    citizen     13800000002 / Citizen#2026   (李华, English)
    officer     13900000001 / Officer#2026   (market regulation, SCJG)
    supervisor  13900000002 / Supervisor#2026 (market regulation, SCJG)
    admin       13900000009 / Admin#2026

  Press Ctrl-C to stop everything.
MSG
wait -n "${pids[@]}"
