#!/usr/bin/env bash
# `make run`: set up everything, create or update the demo database with the
# four modules and demo data, and serve Odoo on http://localhost:8069.
. "$(dirname "$0")/common.sh"
DB=${DB:-ic_demo}
PORT=${PORT:-8069}
setup_all
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
echo
exec "$PY" "$ODOO_SRC/odoo-bin" -c "$ROOT/odoo.conf" --addons-path="$ADDONS_PATH" \
    --data-dir="$DATA_DIR" -d "$DB" --db-filter="^$DB\$" --http-port="$PORT"
