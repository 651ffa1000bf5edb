#!/usr/bin/env bash
# `make test`: lint, install each module alone, install all four with demo data
# on a throw-away database, run every test with pytest-odoo. Exits non-zero on
# any failure. Knobs for development (CI sets none of them):
#   TEST_DB=name     database prefix (default ic_test), to run several in parallel
#   SKIP_LINT=1      skip ruff and pylint-odoo
#   SKIP_ALONE=1     skip the one-module-at-a-time installs
#   REUSE_DB=1       update the existing test database instead of recreating it
#   PYTEST_ARGS=...  extra pytest arguments (e.g. "addons/credit_rating -k limit")
#   SKIP_BROWSER=1   skip the browser tests (HttpCase tours, need Chromium)
#   SKIP_PREFORK=1   skip the second run of the concurrency tests in prefork mode
#   IC_WORKERS=n     HTTP workers of that prefork run (default 2)
. "$(dirname "$0")/common.sh"
TEST_DB=${TEST_DB:-ic_test}
setup_all
[ "${SKIP_BROWSER:-}" = 1 ] || ensure_chromium
ensure_wkhtmltopdf
command -v wkhtmltopdf >/dev/null \
    || die "wkhtmltopdf not found: the customer statement tests render real PDFs (Debian: apt-get install wkhtmltopdf)."
cd "$ROOT"
failures=()
modules=$(echo $OUR_MODULES | tr ' ' ',')
LOGDIR=$(mktemp -d)

# Runs odoo-bin and fails on a non-zero exit or on ERROR/CRITICAL lines, or on
# models without access rules, in its log.
odoo_checked() {
    local name=$1
    shift
    local log="$LOGDIR/$name.log"
    if ! odoo "$@" --stop-after-init --log-level=warn --logfile="$log"; then
        sed -n '1,200p' "$log" >&2
        return 1
    fi
    if grep -E " (ERROR|CRITICAL) | WARNING .*(has no access rules|Field .* (is|has)|unknown|Two fields|inconsistent)" "$log" >&2; then
        return 1
    fi
    return 0
}

dropdb_if() { dropdb --if-exists "$1" >/dev/null 2>&1 || true; }

if [ "${SKIP_LINT:-}" != 1 ]; then
    bash "$ROOT/scripts/lint.sh" || failures+=("lint")
fi

if [ "${SKIP_ALONE:-}" != 1 ]; then
    step "Base template $TEST_DB""_base (sale_management, purchase, account; no demo)"
    dropdb_if "${TEST_DB}_base"
    if odoo_checked base -d "${TEST_DB}_base" -i sale_management,purchase,account --without-demo=all; then
        for m in $OUR_MODULES; do
            step "Installing $m alone"
            dropdb_if "${TEST_DB}_$m"
            createdb -T "${TEST_DB}_base" "${TEST_DB}_$m"
            odoo_checked "alone-$m" -d "${TEST_DB}_$m" -i "$m" --without-demo=all \
                || failures+=("install $m alone")
            dropdb_if "${TEST_DB}_$m"
        done
    else
        failures+=("base template install")
    fi
    dropdb_if "${TEST_DB}_base"
fi

if [ "${REUSE_DB:-}" = 1 ] && psql -d postgres -tAc "select 1 from pg_database where datname='$TEST_DB'" | grep -q 1; then
    step "Updating $TEST_DB ($modules)"
    odoo_checked all -d "$TEST_DB" -u "$modules" || failures+=("update all four")
else
    step "Installing all four modules with demo data into $TEST_DB"
    dropdb_if "$TEST_DB"
    odoo_checked all -d "$TEST_DB" -i "$modules" || failures+=("install all four")
fi

# pytest WORKERS ARGS...: pytest-odoo; WORKERS > 0 starts the server of the
# XML-RPC tests (tests/conftest.py) in prefork mode.
run_pytest() {
    local workers=$1
    shift
    PYTHONPATH="$ODOO_SRC${PYTHONPATH:+:$PYTHONPATH}" IC_TEST_DB="$TEST_DB" \
    IC_ADDONS_PATH="$ADDONS_PATH" IC_DATA_DIR="$DATA_DIR" IC_PYTHON="$PY" IC_WORKERS="$workers" \
        "$PY" -m pytest -p no:cacheprovider -W ignore::DeprecationWarning -W ignore::PendingDeprecationWarning --odoo-config="$ROOT/odoo.conf" \
        --odoo-database="$TEST_DB" --odoo-addons-path="$ADDONS_PATH" \
        --odoo-log-level=warn "$@"
}

step "pytest-odoo (XML-RPC tests against a threaded server)"
set +e
run_pytest 0 ${PYTEST_ARGS:-addons tests}
rc=$?
set -e
[ $rc = 0 ] || failures+=("pytest (exit $rc)")

# The concurrency and live-notification tests again, against a prefork server
# (--workers, and the gevent process serving /websocket), as in production.
# With PYTEST_ARGS, only the concurrency test files it names.
if [ "${SKIP_PREFORK:-}" != 1 ]; then
    prefork_args=()
    if [ -n "${PYTEST_ARGS:-}" ]; then
        for arg in $PYTEST_ARGS; do
            case $arg in *test_*concurrency*.py*) prefork_args+=("$arg") ;; esac
        done
    else
        prefork_args=(tests/test_*concurrency*.py)
    fi
    if [ ${#prefork_args[@]} -gt 0 ]; then
        workers=${IC_WORKERS:-2}
        [ "$workers" -ge 2 ] 2>/dev/null || die "IC_WORKERS must be 2 or more (got '$workers')"
        step "pytest: concurrency tests against a prefork server (--workers=$workers)"
        set +e
        run_pytest "$workers" "${prefork_args[@]}"
        rc=$?
        set -e
        [ $rc = 0 ] || failures+=("pytest prefork (exit $rc)")
    fi
fi

# Browser tests (tag ic_browser: HttpCase tours in headless Chromium) need
# Odoo's HTTP server, which pytest-odoo does not start: odoo-bin runs them.
# A skipped browser test counts as a failure (no Chromium, no DevTools).
if [ "${SKIP_BROWSER:-}" != 1 ]; then
    step "Browser tests (odoo-bin --test-enable --test-tags ic_browser)"
    handlers=(--log-handler=odoo.tests.result:INFO)
    for m in $OUR_MODULES; do handlers+=("--log-handler=odoo.addons.$m.tests:INFO"); done
    if odoo_checked browser -d "$TEST_DB" --test-enable --test-tags ic_browser \
        --http-port "$(free_port)" "${handlers[@]}"; then
        grep -E "odoo.tests.result: .* of [0-9]+ tests" "$LOGDIR/browser.log" | sed 's/^.*odoo.tests.result: /browser tests: /'
        if grep -E " skipped |of 0 tests" "$LOGDIR/browser.log" >&2 \
            || ! grep -qE "odoo.tests.result: 0 failed, 0 error\(s\) of [1-9]" "$LOGDIR/browser.log"; then
            failures+=("browser tests (skipped or not run)")
        fi
    else
        failures+=("browser tests")
    fi
fi

rm -rf "$LOGDIR"
if [ ${#failures[@]} -gt 0 ]; then
    echo "FAILED: ${failures[*]}" >&2
    exit 1
fi
echo "make test: all green"
