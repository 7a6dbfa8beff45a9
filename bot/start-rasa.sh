#!/bin/sh
# The image's Rasa server. Its HTTP API (models, trackers, events) is served only behind a token: without
# RASA_TOKEN it does not start. Keep the port on a private network all the same: the REST webhook the
# backend posts to has no auth of its own.
set -eu
if [ -z "${RASA_TOKEN:-}" ]; then
  echo "start-rasa.sh: set RASA_TOKEN (a random string): Rasa's HTTP API is never served without a token" >&2
  exit 64
fi
exec python serve.py run --enable-api --auth-token "$RASA_TOKEN" -i "${RASA_HOST:-0.0.0.0}" -p "${RASA_PORT:-5005}" \
  --model models/assistant.tar.gz --endpoints endpoints.docker.yml --credentials credentials.yml
