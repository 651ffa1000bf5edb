#!/usr/bin/env bash
# `make odoo-tests`: Odoo's own tests with and without the four addons, to see
# what the addons change in Odoo's flows. As Odoo's runbot does, it installs
# the same modules, with the same demo flag, in two databases from scratch:
#   <prefix>_plain   ODOO_TEST_INSTALL
#   <prefix>_addons  ODOO_TEST_INSTALL + the four addons (default settings)
# then runs `odoo-bin --test-enable --test-tags /m1,/m2,... --stop-after-init`
# on each (at_install and post_install tests of those modules, after every
# module is installed), reads Odoo's log for failing and erroring tests
# (FAIL: / ERROR: lines) and prints the tests that fail only with the addons,
# with the last line of each traceback, and both runs' figures. It exits 1 if
# some test fails only with the addons. Slow (an hour or more on 2 cores): not
# part of `make test`. Knobs:
#   ODOO_TEST_MODULES=a,b  modules whose tests run (default sale,sale_management,purchase,account)
#   ODOO_TEST_INSTALL=a,b  modules installed in both databases (default
#                          sale_management,purchase,account plus ODOO_TEST_MODULES)
#   ODOO_TESTS_DB=name     database prefix (default ic_odoo_tests)
#   WITHOUT_DEMO=1         both databases without demo data (default: with, as runbot)
#   REUSE_DB=1             keep the two databases if they exist (e.g. to run
#                          `sale` first and `account` after on the same install)
#   SEQUENTIAL=1           run the two sides one after the other (default: side by side)
#   ODOO_TESTS_LOGDIR=dir  where the logs and the report go (default: a new /tmp folder)
#   REV=commit             test the addons as committed there (`git archive` into
#                          the log folder) instead of the working tree
. "$(dirname "$0")/common.sh"

main() {
setup_all
cd "$ROOT"
ODOO_TEST_MODULES=${ODOO_TEST_MODULES:-sale,sale_management,purchase,account}
ODOO_TEST_INSTALL=${ODOO_TEST_INSTALL:-sale_management,purchase,account,$ODOO_TEST_MODULES}
ODOO_TESTS_DB=${ODOO_TESTS_DB:-ic_odoo_tests}
LOGDIR=${ODOO_TESTS_LOGDIR:-$(mktemp -d /tmp/odoo-tests.XXXXXX)}
mkdir -p "$LOGDIR"
if [ -n "${REV:-}" ]; then
    rm -rf "$LOGDIR/rev" && mkdir -p "$LOGDIR/rev"
    git -C "$ROOT" archive "$REV" addons | tar -x -C "$LOGDIR/rev" \
        || die "cannot export addons/ at REV=$REV"
    ADDONS_PATH="$ODOO_SRC/odoo/addons,$LOGDIR/rev/addons"
fi
ours=$(echo $OUR_MODULES | tr ' ' ',')
tags=$(echo "$ODOO_TEST_MODULES" | tr ',' '\n' | sed '/^$/d; s|^|/|' | paste -sd, -)
demo=()
[ "${WITHOUT_DEMO:-}" = 1 ] && demo=(--without-demo=all)
command -v chromium >/dev/null || command -v chromium-browser >/dev/null \
    || command -v google-chrome >/dev/null \
    || echo "WARNING: no Chromium: Odoo's tours are skipped on both sides" >&2
step "Logs and report in $LOGDIR (tests: $tags; installed: $ODOO_TEST_INSTALL; demo: ${demo[*]:-yes}; addons: ${REV:-working tree})"

db_exists() { psql -d postgres -tAc "select 1 from pg_database where datname='$1'" | grep -q 1; }

# side NAME MODULES: install MODULES into <prefix>_NAME, then run the tests.
side() {
    local name=$1 modules=$2 db="${ODOO_TESTS_DB}_$1"
    if [ "${REUSE_DB:-}" = 1 ] && db_exists "$db"; then
        step "$name: reusing $db"
    else
        step "$name: installing $modules into $db"
        dropdb --if-exists "$db" >/dev/null 2>&1 || true
        if ! odoo -d "$db" -i "$modules" "${demo[@]}" --stop-after-init --log-level=warn \
            --http-port="$(free_port)" --logfile="$LOGDIR/$name-install.log"; then
            echo "ERROR: installing $modules into $db failed (see $LOGDIR/$name-install.log)" >&2
            return 1
        fi
    fi
    step "$name: running $tags on $db"
    # A non-zero exit only says some test failed: the log tells which.
    odoo -d "$db" --test-enable --test-tags "$tags" --stop-after-init --log-level=warn \
        --log-handler=odoo.tests.result:INFO --http-port="$(free_port)" --workers=0 \
        --max-cron-threads=0 --logfile="$LOGDIR/$name.log" || true
    step "$name: done ($(grep -hoE '[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests' "$LOGDIR/$name.log" | tail -1))"
}

if [ "${SEQUENTIAL:-}" = 1 ]; then
    side plain "$ODOO_TEST_INSTALL" || exit 2
    side addons "$ODOO_TEST_INSTALL,$ours" || exit 2
else
    side plain "$ODOO_TEST_INSTALL" & plain_pid=$!
    side addons "$ODOO_TEST_INSTALL,$ours" & addons_pid=$!
    wait $plain_pid || exit 2
    wait $addons_pid || exit 2
fi

"$PY" - "$LOGDIR" <<'EOF'
import re
import sys
from pathlib import Path

logdir = Path(sys.argv[1])
record = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (\w+) \S+ (\S+): (.*)$")
summary = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests")


def parse(name):
    """{test id: (FAIL|ERROR, traceback)} and the last summary of a run's log."""
    tests, figures, current = {}, None, None
    for line in (logdir / f"{name}.log").read_text(errors="replace").splitlines():
        match = record.match(line)
        if not match:
            if current is not None:
                current.append(line)
            continue
        current = None
        level, logger, message = match.groups()
        found = summary.search(message)
        if logger == "odoo.tests.result" and found:
            figures = found.group(0)
        if level in ("ERROR", "CRITICAL"):
            flavour, _, description = message.partition(": ")
            if flavour in ("FAIL", "ERROR") and description:
                current = []
                tests[f"{logger}: {description}"] = (flavour, current)
    return tests, figures


def cause(traceback):
    lines = [line for line in traceback if line.strip()]
    for line in reversed(lines):
        if re.match(r"^([a-z_]\w*\.)+[A-Z]\w*: |^\w*(Error|Exception|Warning|Failure)\b", line):
            return line.strip()[:300]
    return (lines[-1].strip() if lines else "(no traceback)")[:300]


plain, plain_figures = parse("plain")
addons, addons_figures = parse("addons")
only = sorted(set(addons) - set(plain))
report = []
for test in only:
    flavour, traceback = addons[test]
    report.append(f"{flavour}: {test}\n" + "\n".join(traceback) + "\n")
(logdir / "only-with-addons.txt").write_text("\n".join(report))
print()
print(f"plain Odoo:       {plain_figures or 'no summary (see plain.log)'}")
print(f"with the addons:  {addons_figures or 'no summary (see addons.log)'}")
print(f"failing or erroring only with the addons: {len(only)}")
for test in only:
    flavour, traceback = addons[test]
    print(f"  {flavour}: {test}\n      {cause(traceback)}")
gone = sorted(set(plain) - set(addons))
if gone:
    print(f"failing only in plain Odoo: {len(gone)}")
    for test in gone:
        print(f"  {plain[test][0]}: {test}")
print(f"tracebacks: {logdir / 'only-with-addons.txt'}; logs: {logdir}/plain.log, addons.log")
sys.exit(1 if only or not (plain_figures and addons_figures) else 0)
EOF
}

# One function, read whole before it runs: editing this file during a run is safe.
main "$@"
