#!/usr/bin/env bash
# Project-local PostgreSQL + PostGIS cluster, on a Unix socket.
#
#   scripts/pgcluster.sh start   # initdb on first use, then start (idempotent)
#   scripts/pgcluster.sh stop
#   scripts/pgcluster.sh status
#   scripts/pgcluster.sh env     # prints PGHOST/PGPORT/PGUSER/PGDATABASE for other tools
#   scripts/pgcluster.sh where   # prints the cluster's folder (data, run/, postgres.log)
#
# The cluster listens on no TCP port (listen_addresses=''), so two checkouts on one
# machine never collide. initdb refuses to run as root, so as root the cluster is
# owned and run by the unprivileged `postgres` system user.
#
# Where it lives: `.pg/` in the checkout. When the checkout is somewhere `postgres` cannot
# reach (a clone in /root, which is 0700, or in a `mktemp -d` folder), the cluster lives
# in postgres's home instead, in a folder named after the checkout and a hash of its
# absolute path (/var/lib/postgresql/sauvons-noel/<name>-<hash>), and `.pg` is a symbolic
# link to it: everything else (settings.py, bench/db.py, scripts/backup.sh) keeps reading
# the socket at `.pg/run`, the one place to look.
# `PGBASE=/some/dir scripts/pgcluster.sh start` runs a second, separate cluster there
# (data, socket and log under that folder): tests/hardening/test_faults.py crashes one.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PGPORT="${PGPORT:-5432}"
PGUSER_NAME="${PGUSER:-postgres}"
PGDATABASE="${PGDATABASE:-sauvons_noel}"

fail() {
    echo "pgcluster.sh: $*" >&2
    exit 1
}

is_root() { [ "$(id -u)" = "0" ]; }

# Runs as the cluster's owner, from / so that a cwd it cannot enter is no warning.
as_owner() {
    if is_root; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# Can the cluster's owner reach (traverse) this folder?
owner_reaches() {
    if is_root; then
        (cd / && runuser -u postgres -- test -x "$1")
    else
        test -x "$1"
    fi
}

# The folder of a checkout's cluster when `postgres` cannot reach the checkout.
outside_base() {
    local home name hash
    home="$(getent passwd postgres | cut -d: -f6)"
    [ -n "$home" ] || fail "no \`postgres\` system user: install PostgreSQL first (make system-deps)"
    name="$(basename "$ROOT" | tr -c 'A-Za-z0-9._\n-' '_')"
    hash="$(printf '%s' "$ROOT" | sha256sum | cut -c1-10)"
    echo "$home/sauvons-noel/$name-$hash"
}

# The cluster's folder: PGBASE when given, else .pg in the checkout (a link when the
# checkout is out of postgres's reach), resolved to the real path the server uses.
choose_base() {
    if [ -n "${PGBASE:-}" ]; then
        echo "$PGBASE"
        return
    fi
    local local_base="$ROOT/.pg"
    # Only `start` creates anything; the other actions look at what is there.
    if [ "$ACTION" != start ] || [ -L "$local_base" ] || [ -s "$local_base/data/PG_VERSION" ] \
        || owner_reaches "$ROOT"; then
        echo "$local_base"
        return
    fi
    # The leftover of an initdb that failed here holds no data (no PG_VERSION).
    [ -d "$local_base" ] && rm -rf "$local_base"
    local target
    target="$(outside_base)"
    mkdir -p "$target"
    ln -s "$target" "$local_base"
    echo "$local_base"
}

ACTION="${1:-}"
PGBASE_GIVEN="${PGBASE:-}"
PGBASE="$(choose_base)"
# The real folder (through the link): postgres cannot follow a path through the checkout.
if [ -L "$PGBASE" ]; then PGBASE="$(readlink -f "$PGBASE")"; fi
PGDATA="$PGBASE/data"
PGRUN="$PGBASE/run"
PGLOG="$PGBASE/postgres.log"
# What clients use: through .pg when it is the checkout's cluster (same path for all).
if [ -z "$PGBASE_GIVEN" ]; then CLIENT_RUN="$ROOT/.pg/run"; else CLIENT_RUN="$PGRUN"; fi

pg_bin() {
    local major
    major="$(ls /usr/lib/postgresql/ 2>/dev/null | sort -n | tail -n 1)"
    [ -n "$major" ] || { echo "PostgreSQL server binaries not found (make system-deps)" >&2; exit 1; }
    echo "/usr/lib/postgresql/$major/bin"
}

init_cluster() {
    mkdir -p "$PGBASE" "$PGRUN" 2>/dev/null \
        || fail "cannot create $PGRUN: choose a writable folder (PGBASE=...)"
    if is_root; then chown postgres:postgres "$PGBASE" "$PGRUN"; fi
    owner_reaches "$PGRUN" || fail "the postgres user cannot reach $PGBASE (a parent folder" \
        "is private): unset PGBASE, or pick a folder under /tmp or /var/lib/postgresql"
    if [ ! -s "$PGDATA/PG_VERSION" ]; then
        local out
        if ! out="$(as_owner "$(pg_bin)/initdb" -D "$PGDATA" -U "$PGUSER_NAME" -A trust -E UTF8 \
            --locale=C.UTF-8 2>&1)"; then
            fail "initdb failed in $PGDATA ($(echo "$out" | grep -m1 -i error || echo "$out" |
                tail -n 1)): fix that, remove $PGDATA and run make db again"
        fi
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
        as_owner "$(pg_bin)/pg_ctl" -D "$PGDATA" -l "$PGLOG" -w -t 60 start >/dev/null \
            || fail "PostgreSQL did not start: see $PGLOG"
    fi
    # The database itself; extensions are created by the migrations.
    if ! psql_cmd -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$PGDATABASE'" | grep -q 1; then
        psql_cmd -d postgres -qc "CREATE DATABASE $PGDATABASE"
    fi
}

psql_cmd() {
    psql -h "$CLIENT_RUN" -p "$PGPORT" -U "$PGUSER_NAME" -v ON_ERROR_STOP=1 "$@"
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
    env) echo "PGHOST=$CLIENT_RUN PGPORT=$PGPORT PGUSER=$PGUSER_NAME PGDATABASE=$PGDATABASE" ;;
    where) echo "$PGBASE" ;;
    psql) shift; psql_cmd -d "$PGDATABASE" "$@" ;;
    *) echo "usage: $0 start|stop|status|env|where|psql" >&2; exit 2 ;;
esac
