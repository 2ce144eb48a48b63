#!/usr/bin/env bash
# Installs the Debian packages the project needs, only those missing (idempotent, fast
# when everything is there): PostgreSQL + PostGIS for the installed major version,
# GDAL/GEOS/PROJ for GeoDjango, Node.js/npm for the Leaflet asset, Chromium for the
# browser tests and osmium for .osm.pbf extracts, and Debian's own Python 3.11 with its venv
# module (the Makefile builds the venv on it: an optimised build, docs/benchmarks.md).
set -euo pipefail

missing=()
need() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" || missing+=("$1"); }

major="$(ls /usr/lib/postgresql/ 2>/dev/null | sort -n | tail -n 1 || true)"
if [ -z "$major" ]; then
    need postgresql
    need postgresql-contrib
    need postgis
else
    need "postgresql-$major-postgis-3"
fi
need postgresql-client
need python3.11
need python3.11-venv
need gdal-bin
need libgdal-dev
need libgeos-dev
need libproj-dev
need chromium
need osmium-tool
need wrk
need nginx
command -v npm >/dev/null 2>&1 || need npm

if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

echo "Installing Debian packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" != "0" ]; then
    command -v sudo >/dev/null 2>&1 || { echo "Need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
# A freshly installed postgresql package starts its own cluster: the project never uses it.
if [ -z "$major" ] && command -v pg_ctlcluster >/dev/null 2>&1; then
    $SUDO pg_lsclusters -h 2>/dev/null | while read -r ver name _; do
        $SUDO pg_ctlcluster "$ver" "$name" stop || true
    done
fi
# PostGIS for a PostgreSQL installed just now.
major="$(ls /usr/lib/postgresql/ | sort -n | tail -n 1)"
dpkg-query -W -f='${Status}' "postgresql-$major-postgis-3" 2>/dev/null | grep -q "install ok installed" \
    || $SUDO apt-get install -y -q --no-install-recommends "postgresql-$major-postgis-3"
