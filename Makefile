# Two commands: `make run` (server with demo data) and `make test` (everything CI runs).
# ODOO_SRC defaults to /opt/odoo18.
.PHONY: run test lint bench pot odoo-tests
run:
	bash scripts/run.sh
test:
	bash scripts/test.sh
lint:
	bash scripts/lint.sh
bench:
	bash scripts/bench.sh
pot:
	bash scripts/pot.sh
# Odoo's own tests with and without the four addons (slow, not in `make test`).
odoo-tests:
	bash scripts/odoo_tests.sh
