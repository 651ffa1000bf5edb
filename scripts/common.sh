#!/usr/bin/env bash
# Shared set-up for `make run` and `make test`: checks Odoo's source, builds the
# Python environment, starts PostgreSQL. Sourced, never run directly.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ODOO_SRC=${ODOO_SRC:-/opt/odoo18}
VENV=${VENV:-$ROOT/.venv}
PY=$VENV/bin/python
PG_VERSION=${PG_VERSION:-15}
PG_BIN=/usr/lib/postgresql/$PG_VERSION/bin
export ODOO_SRC ROOT
ADDONS_PATH="$ODOO_SRC/odoo/addons,$ROOT/addons"
DATA_DIR=${DATA_DIR:-$ROOT/.odoo-data}
OUR_MODULES="sales_internal_control credit_rating budget_control contract_lifecycle"

die() { echo "ERROR: $*" >&2; exit 2; }
step() { echo "==> [${SECONDS}s] $*"; }

check_odoo_src() {
    [ -f "$ODOO_SRC/odoo-bin" ] && [ -d "$ODOO_SRC/odoo/addons/sale_management" ] \
        || die "Odoo 18 source not found at ODOO_SRC=$ODOO_SRC (expected odoo-bin and odoo/addons/sale_management there). Put the 18.0 Community source there or set ODOO_SRC."
    grep -q "version_info = (18, 0" "$ODOO_SRC/odoo/release.py" \
        || die "ODOO_SRC=$ODOO_SRC is not Odoo 18.0 (see $ODOO_SRC/odoo/release.py)."
}

ensure_venv() {
    command -v python3 >/dev/null || die "python3 not found (Python 3.11 is needed)."
    local stamp="$VENV/.ic-requirements" want
    # The stamp covers both requirement files and this recipe, so that a change
    # to either rebuilds existing environments in place.
    want=$({ cat "$ODOO_SRC/requirements.txt" "$ROOT/requirements.txt"; declare -f ensure_venv; } \
        | sha1sum | cut -c1-40)
    if [ -x "$PY" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi
    step "Creating the Python environment in $VENV"
    [ -x "$PY" ] || python3 -m venv "$VENV" || die "could not create a virtualenv at $VENV"
    local tmp
    tmp=$(mktemp -d)
    # python-ldap needs system headers and nothing here uses LDAP.
    grep -v '^python-ldap' "$ODOO_SRC/requirements.txt" > "$tmp/odoo-requirements.txt"
    # Some of Odoo's pinned packages only build with an old setuptools; our
    # pins of gevent's dependencies (see requirements.txt) apply from the start.
    { echo 'setuptools<70'; grep -E '^zope\.' "$ROOT/requirements.txt"; } > "$tmp/constraints.txt"
    PIP_CONSTRAINT="$tmp/constraints.txt" "$PY" -m pip install -q --disable-pip-version-check \
        -r "$tmp/odoo-requirements.txt" 2>&1 | grep -v -e '^Ignoring' -e 'is ignored' || true
    "$PY" -c "import psycopg2, lxml, werkzeug" 2>/dev/null \
        || die "installing Odoo's requirements into $VENV failed (see pip's output above)."
    "$PY" -m pip install -q --disable-pip-version-check -r "$ROOT/requirements.txt" \
        || die "installing $ROOT/requirements.txt failed."
    # Prefork mode's /websocket process (odoo-bin gevent) dies at start if
    # pkg_resources cannot resolve gevent's requirements.
    "$PY" -c "import pkg_resources; pkg_resources.require('gevent')" \
        || die "pkg_resources cannot resolve gevent's requirements in $VENV: prefork mode's /websocket process (odoo-bin gevent) would die at start (see the pins in requirements.txt)."
    rm -rf "$tmp"
    echo "$want" > "$stamp"
}

ensure_postgres() {
    if pg_isready -q 2>/dev/null; then
        ensure_pg_role
        return 0
    fi
    [ -x "$PG_BIN/postgres" ] || die "PostgreSQL $PG_VERSION is not installed ($PG_BIN/postgres missing) and no server answers on its local socket."
    step "Starting PostgreSQL $PG_VERSION"
    if command -v pg_ctlcluster >/dev/null && pg_lsclusters -h 2>/dev/null | grep -q "^$PG_VERSION "; then
        pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main start 2>/dev/null || true
    fi
    for _ in $(seq 1 30); do
        pg_isready -q && break
        sleep 1
    done
    pg_isready -q \
        || die "PostgreSQL does not answer on its local socket (tried: pg_ctlcluster $PG_VERSION main start). Start it and run again."
    ensure_pg_role
}

ensure_pg_role() {
    local me
    me=$(id -un)
    if psql -d postgres -tAc "select 1" >/dev/null 2>&1; then
        return 0
    fi
    step "Creating PostgreSQL role $me"
    if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1; then
        runuser -u postgres -- psql -q -d postgres \
            -c "CREATE ROLE \"$me\" SUPERUSER LOGIN" 2>/dev/null || true
    fi
    psql -d postgres -tAc "select 1" >/dev/null 2>&1 \
        || die "cannot connect to PostgreSQL as $me: create a role, e.g. 'CREATE ROLE $me SUPERUSER LOGIN' as postgres."
}

# Installs a Debian package (as root), waiting for another apt run's lock
# rather than failing on it; updates the package lists once if needed.
apt_install() {
    local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -y -q)
    "${apt[@]}" install "$@" >/dev/null 2>&1 \
        || { "${apt[@]}" update >/dev/null 2>&1 && "${apt[@]}" install "$@" >/dev/null 2>&1; } \
        || true
}

# Chromium for the browser tests (Odoo's HttpCase finds it on the PATH).
ensure_chromium() {
    command -v chromium >/dev/null || command -v chromium-browser >/dev/null \
        || command -v google-chrome >/dev/null && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        step "Installing Debian's chromium for the browser tests"
        apt_install chromium
    fi
    command -v chromium >/dev/null \
        || die "Chromium not found: the browser tests need it (Debian: apt-get install chromium). SKIP_BROWSER=1 skips them."
}

# wkhtmltopdf for PDF reports (the contract a customer signs on the portal,
# the customer statement a dunning mail carries). `make test` needs it: the
# statement tests render real PDFs.
ensure_wkhtmltopdf() {
    command -v wkhtmltopdf >/dev/null && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        step "Installing Debian's wkhtmltopdf for PDF reports"
        apt_install wkhtmltopdf
    fi
    command -v wkhtmltopdf >/dev/null \
        || echo "warning: wkhtmltopdf not found: PDF reports (contract signature on the portal) fail until it is installed (Debian: apt-get install wkhtmltopdf)." >&2
}

free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

odoo() {
    "$PY" "$ODOO_SRC/odoo-bin" -c "$ROOT/odoo.conf" --addons-path="$ADDONS_PATH" \
        --data-dir="$DATA_DIR" "$@"
}

setup_all() {
    check_odoo_src
    ensure_venv
    ensure_postgres
}
