#!/usr/bin/env bash
# ruff (lint and format) and pylint-odoo's mandatory checks on our addons.
. "$(dirname "$0")/common.sh"
check_odoo_src
ensure_venv
cd "$ROOT"
rc=0
step "ruff check"
"$VENV/bin/ruff" check addons tests bench scripts || rc=1
step "ruff format --check"
"$VENV/bin/ruff" format --check addons tests bench scripts || rc=1
step "README.rst up to date"
"$PY" scripts/gen_readme.py --check || rc=1
step "zh_CN translations complete"
"$PY" scripts/i18n.py check || rc=1
step "pylint-odoo (mandatory checks)"
"$VENV/bin/pylint" --rcfile=.pylintrc-mandatory addons/* || rc=1
[ $rc = 0 ] && echo "lint: clean" || echo "lint: FAILED"
exit $rc
