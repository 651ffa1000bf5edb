#!/usr/bin/env bash
# `make pot M=addon [DB=ic_test]`: export the addon's translation template from a
# database where it is installed, then merge it into i18n/zh_CN.po (existing
# translations kept, new terms left empty for `make lint` to report).
. "$(dirname "$0")/common.sh"
M=${M:?usage: make pot M=addon [DB=database]}
DB=${DB:-ic_test}
setup_all
cd "$ROOT"
odoo -d "$DB" --i18n-export="addons/$M/i18n/$M.pot" --modules="$M" \
    --stop-after-init --log-level=warn || die "exporting $M from $DB failed."
"$PY" scripts/i18n.py merge "$M" ${T:-}
