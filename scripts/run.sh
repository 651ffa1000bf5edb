#!/usr/bin/env bash
# `make run`: set up everything, create or update the demo database with the
# four modules and demo data, and serve Odoo on http://localhost:8069.
# DB=name, PORT=n; WORKERS=n (n > 0) serves it in prefork mode as in production:
# n HTTP workers, the gevent process for /websocket (live notifications) on
# GEVENT_PORT (default 8072), and scripts/dev_proxy.py on PORT in front of both,
# standing in for the reverse proxy that routes /websocket to the gevent port.
. "$(dirname "$0")/common.sh"
DB=${DB:-ic_demo}
PORT=${PORT:-8069}
WORKERS=${WORKERS:-0}
GEVENT_PORT=${GEVENT_PORT:-8072}
case $WORKERS in '' | *[!0-9]*) die "WORKERS must be a number (got '$WORKERS')" ;; esac
setup_all
ensure_wkhtmltopdf
modules=$(echo $OUR_MODULES | tr ' ' ',')
if psql -d postgres -tAc "select 1 from pg_database where datname='$DB'" | grep -q 1; then
    step "Updating database $DB ($modules)"
    odoo -d "$DB" -u "$modules" --stop-after-init --log-level=warn \
        || die "updating $DB failed (see the log above)."
else
    step "Creating database $DB with demo data ($modules)"
    odoo -d "$DB" -i "$modules" --stop-after-init --log-level=warn \
        || die "creating $DB failed (see the log above)."
    # Demo users get the password 'demo' from Odoo; ours have theirs in the README.
fi
echo
echo "Odoo serves database $DB on http://localhost:$PORT"
echo "  login: admin   password: admin   (demo users: see README.md)"
if [ "$WORKERS" = 0 ]; then
    echo
    exec "$PY" "$ODOO_SRC/odoo-bin" -c "$ROOT/odoo.conf" --addons-path="$ADDONS_PATH" \
        --data-dir="$DATA_DIR" -d "$DB" --db-filter="^$DB\$" --http-port="$PORT"
fi
http_port=$(free_port)
echo "  prefork: $WORKERS workers on 127.0.0.1:$http_port, /websocket on 127.0.0.1:$GEVENT_PORT,"
echo "  both behind scripts/dev_proxy.py on port $PORT"
echo
odoo -d "$DB" --db-filter="^$DB\$" --workers="$WORKERS" --http-interface=127.0.0.1 \
    --http-port="$http_port" --gevent-port="$GEVENT_PORT" &
odoo_pid=$!
trap 'kill "$odoo_pid" 2>/dev/null; wait "$odoo_pid" 2>/dev/null' EXIT INT TERM
"$PY" "$ROOT/scripts/dev_proxy.py" "$PORT" "$http_port" "$GEVENT_PORT" &
proxy_pid=$!
# Stop when either stops.
wait -n "$odoo_pid" "$proxy_pid" || true
kill "$proxy_pid" 2>/dev/null || true
