#!/usr/bin/env bash
# `make bench`: run every benchmark under bench/ (files bench_*.py) against
# a database with the four addons (no demo data) and, for ratios, a plain
# Odoo database with sale_management, purchase and account only. The
# benchmarks roll back what they create; the databases are kept between runs
# (BENCH_FRESH=1 recreates them). BENCH=bench/bench_x.py runs one file.
# bench/bench_throughput.py starts prefork servers (--workers) on throw-away
# copies of both databases (createdb -T) and drives parallel XML-RPC clients;
# BENCH_WORKERS, BENCH_CLIENTS, BENCH_ORDERS_PER_CLIENT, BENCH_ROUNDS tune it.
. "$(dirname "$0")/common.sh"
BENCH_DB=${BENCH_DB:-ic_bench}
setup_all
cd "$ROOT"
modules=$(echo $OUR_MODULES | tr ' ' ',')
has_db() { psql -d postgres -tAc "select 1 from pg_database where datname='$1'" | grep -q 1; }
if [ "${BENCH_FRESH:-}" = 1 ]; then
    dropdb --if-exists "${BENCH_DB}_plain"; dropdb --if-exists "$BENCH_DB"
fi
if ! has_db "${BENCH_DB}_plain"; then
    step "Creating ${BENCH_DB}_plain (plain Odoo: sale_management, purchase, account)"
    odoo -d "${BENCH_DB}_plain" -i sale_management,purchase,account --without-demo=all \
        --stop-after-init --log-level=warn
fi
if has_db "$BENCH_DB"; then
    odoo -d "$BENCH_DB" -u "$modules" --stop-after-init --log-level=warn
else
    step "Creating $BENCH_DB (the four addons, no demo data)"
    createdb -T "${BENCH_DB}_plain" "$BENCH_DB"
    odoo -d "$BENCH_DB" -i "$modules" --without-demo=all --stop-after-init --log-level=warn
fi
export IC_BENCH_DB="$BENCH_DB" IC_BENCH_PLAIN_DB="${BENCH_DB}_plain"
export IC_ADDONS_PATH="$ADDONS_PATH" IC_DATA_DIR="$DATA_DIR"
rc=0
for f in ${BENCH:-bench/bench_*.py}; do
    step "$f"
    PYTHONPATH="$ODOO_SRC:$ROOT/bench" "$PY" "$f" || rc=1
done
exit $rc
