#!/bin/sh
# Apply migrations before serving (safe to run on every start: Alembic is idempotent).
set -e
if [ "${MIGRATE_ON_START:-1}" = "1" ]; then
  flask --app api db upgrade --directory "${MIGRATIONS_DIR:-/app/migrations}"
fi
exec "$@"
