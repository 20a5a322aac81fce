#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster on 127.0.0.1 for the tests and print the URL to use as
# RAPPORT_TEST_POSTGRES. Used by .ci/run, and by hand: export RAPPORT_TEST_POSTGRES=$(.ci/postgres.sh)
# The cluster lives in a temporary folder owned by the postgres user; logs stay outside su.
set -euo pipefail
port="${RAPPORT_PG_PORT:-55432}"
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
if "$bin/pg_isready" -h 127.0.0.1 -p "$port" >/dev/null 2>&1; then
  PGPASSWORD=rapport "$bin/createdb" -w -h 127.0.0.1 -p "$port" -U rapport rapport 2>/dev/null || true
  echo "postgres://rapport:rapport@127.0.0.1:$port/rapport?sslmode=disable"
  exit 0
fi
dir=$(mktemp -d /tmp/rapport-pg.XXXXXX)
chown postgres "$dir"
pwfile="$dir/pw"
echo rapport > "$pwfile"
chown postgres "$pwfile"
su postgres -c "$bin/initdb -D '$dir/data' -U rapport --pwfile='$pwfile' -A scram-sha-256 --no-sync" > "$dir.initdb.log" 2>&1
su postgres -c "$bin/pg_ctl -D '$dir/data' -o \"-h 127.0.0.1 -p $port -k '$dir' -c fsync=off -c max_connections=200\" -w start" > "$dir.pgctl.log" 2>&1
PGPASSWORD=rapport "$bin/createdb" -w -h 127.0.0.1 -p "$port" -U rapport rapport
echo "postgres://rapport:rapport@127.0.0.1:$port/rapport?sslmode=disable"
