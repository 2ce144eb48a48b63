#!/usr/bin/env bash
# Project-local PostgreSQL + PostGIS cluster, on a Unix socket inside the checkout.
#
#   scripts/pgcluster.sh start   # initdb on first use, then start (idempotent)
#   scripts/pgcluster.sh stop
#   scripts/pgcluster.sh status
#   scripts/pgcluster.sh env     # prints PGHOST/PGPORT/PGUSER for other tools
#
# The cluster listens on no TCP port (listen_addresses=''), so two checkouts on one
# machine never collide. initdb refuses to run as root, so as root the cluster is
# owned and run by the unprivileged `postgres` system user.
# `PGBASE=/some/dir scripts/pgcluster.sh start` runs a second, separate cluster there
# (data, socket and log under that folder): tests/hardening/test_faults.py crashes one.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PGBASE="${PGBASE:-$ROOT/.pg}"
PGDATA="$PGBASE/data"
PGRUN="$PGBASE/run"
PGLOG="$PGBASE/postgres.log"
PGPORT="${PGPORT:-5432}"
PGUSER_NAME="${PGUSER:-postgres}"
PGDATABASE="${PGDATABASE:-sauvons_noel}"

pg_bin() {
    local major
    major="$(ls /usr/lib/postgresql/ 2>/dev/null | sort -n | tail -n 1)"
    [ -n "$major" ] || { echo "PostgreSQL server binaries not found (make system-deps)" >&2; exit 1; }
    echo "/usr/lib/postgresql/$major/bin"
}

as_owner() {
    if [ "$(id -u)" = "0" ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

init_cluster() {
    mkdir -p "$PGBASE" "$PGRUN"
    if [ "$(id -u)" = "0" ]; then chown postgres:postgres "$PGBASE" "$PGRUN"; fi
    if [ ! -s "$PGDATA/PG_VERSION" ]; then
        as_owner "$(pg_bin)/initdb" -D "$PGDATA" -U "$PGUSER_NAME" -A trust -E UTF8 \
            --locale=C.UTF-8 >/dev/null
        cat >> "$PGDATA/postgresql.conf" <<CONF
# --- sauvons-noel local cluster ---
listen_addresses = ''
unix_socket_directories = '$PGRUN'
port = $PGPORT
shared_buffers = 512MB
work_mem = 32MB
maintenance_work_mem = 512MB
max_connections = 200
fsync = on

wal_level = minimal
max_wal_senders = 0
max_wal_size = 4GB
random_page_cost = 1.1
jit = off
CONF
    fi
}

is_running() {
    as_owner "$(pg_bin)/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1
}

start() {
    init_cluster
    if ! is_running; then
        as_owner "$(pg_bin)/pg_ctl" -D "$PGDATA" -l "$PGLOG" -w -t 60 start >/dev/null
    fi
    # The database itself; extensions are created by the migrations.
    if ! psql_cmd -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$PGDATABASE'" | grep -q 1; then
        psql_cmd -d postgres -qc "CREATE DATABASE $PGDATABASE"
    fi
}

psql_cmd() {
    psql -h "$PGRUN" -p "$PGPORT" -U "$PGUSER_NAME" -v ON_ERROR_STOP=1 "$@"
}

stop() {
    if [ -s "$PGDATA/PG_VERSION" ] && is_running; then
        as_owner "$(pg_bin)/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) if [ -s "$PGDATA/PG_VERSION" ] && is_running; then echo running; else echo stopped; exit 3; fi ;;
    env) echo "PGHOST=$PGRUN PGPORT=$PGPORT PGUSER=$PGUSER_NAME PGDATABASE=$PGDATABASE" ;;
    psql) shift; psql_cmd -d "$PGDATABASE" "$@" ;;
    *) echo "usage: $0 start|stop|status|env|psql" >&2; exit 2 ;;
esac
