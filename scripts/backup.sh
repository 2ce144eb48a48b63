#!/usr/bin/env bash
# Backup and restore of the project's database with pg_dump / pg_restore (custom format).
#
#   scripts/backup.sh dump FILE      # consistent snapshot, written atomically (FILE.tmp → FILE)
#   scripts/backup.sh restore FILE   # restores into the database, replacing its objects
#
# Uses DATABASE_URL when set, else the project-local cluster (scripts/pgcluster.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
action="${1:-}"; file="${2:-}"
[ -n "$action" ] && [ -n "$file" ] || { echo "usage: $0 dump|restore FILE" >&2; exit 2; }

if [ -n "${DATABASE_URL:-}" ]; then
    target=("--dbname=${DATABASE_URL/postgis:\/\//postgresql://}")
else
    eval "$(bash "$ROOT/scripts/pgcluster.sh" env | sed 's/ /\n/g' | sed 's/^/export /')"
    target=(--host="$PGHOST" --port="$PGPORT" --username="$PGUSER" --dbname="$PGDATABASE")
fi

case "$action" in
    dump)
        mkdir -p "$(dirname "$file")"
        pg_dump --format=custom --no-owner "${target[@]}" --file="$file.tmp"
        mv "$file.tmp" "$file"
        echo "backup written: $file ($(du -h "$file" | cut -f1))"
        ;;
    restore)
        [ -s "$file" ] || { echo "no backup at $file" >&2; exit 1; }
        pg_restore --clean --if-exists --no-owner --single-transaction --exit-on-error \
            "${target[@]}" "$file"
        echo "restored from $file"
        ;;
    *) echo "usage: $0 dump|restore FILE" >&2; exit 2 ;;
esac
