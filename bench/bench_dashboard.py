"""Benchmark of the Internal Control dashboard (``control.dashboard.get_data``).

The dashboard is read by a user holding every role of the four addons
(record rules applied), first on the database as it is, then after adding
ORDERS confirmed sale orders (not invoiced: they count in the customers'
credit exposure), INVOICES open customer invoices (due 0 to 149 days ago:
every aging bucket), as many control log lines (blocks) and REQUESTS pending
approval requests, for CUSTOMERS customers with a credit limit. The number of
queries must not change; the time is the best of ROUNDS. For reference, the
same data read through plain Odoo's sales analysis (``sale.report``, one
grouped read by month) and invoice analysis (``account.invoice.report``).

The documents are SQL copies of one document made with the ORM (see
bench_dunning), committed in a throw-away copy of the bench database, which
is read right after the commit and again after a VACUUM ANALYZE of the
tables (what autovacuum does on a live database: the open items are read
from covering indexes, which need the table's visibility map); the copy is
dropped at the end.
"""

import os
import time
from datetime import date, timedelta

from bench_dunning import _copy
from common import copy_env, init_odoo, measure, report, vacuum_analyze

from odoo import Command
from odoo.tools import SQL

ORDERS = int(os.environ.get("BENCH_DASHBOARD_ORDERS", 100000))
INVOICES = int(os.environ.get("BENCH_DASHBOARD_INVOICES", 100000))
CUSTOMERS = int(os.environ.get("BENCH_DASHBOARD_CUSTOMERS", 2000))
REQUESTS = int(os.environ.get("BENCH_DASHBOARD_REQUESTS", 1000))
ROUNDS = 5
TABLES = (
    "res_partner",
    "sale_order",
    "sale_order_line",
    "account_move",
    "account_move_line",
    "control_log",
    "control_approval_request",
)
GROUPS = (
    "sales_team.group_sale_manager,account.group_account_manager,"
    "sales_internal_control.group_control_manager,"
    "credit_rating.group_credit_controller,budget_control.group_budget_manager,"
    "contract_lifecycle.group_contract_manager"
)


def _user(env):
    groups = [env.ref(xmlid).id for xmlid in GROUPS.split(",")]
    return env["res.users"].create(
        {
            "name": "Bench Dashboard",
            "login": "bench_dashboard",
            "groups_id": [Command.set(groups)],
        }
    )


def _templates(env):
    """One customer, one confirmed order, one posted invoice, one pending
    approval request and one log line, made with the ORM."""
    product = env["product.product"].create(
        {
            "name": "Bench Dashboard",
            "list_price": 10.0,
            "invoice_policy": "order",
            "taxes_id": [Command.clear()],
        }
    )
    partner = env["res.partner"].create(
        {"name": "Bench Dashboard Customer", "credit_limit": 1e9}
    )
    order = env["sale.order"].create(
        {
            "partner_id": partner.id,
            "order_line": [
                Command.create(
                    {"product_id": product.id, "price_unit": 50.0, "tax_id": []}
                )
            ],
        }
    )
    order.action_confirm()
    today = date.today()
    invoice = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": today - timedelta(days=150),
            "invoice_line_ids": [
                Command.create(
                    {
                        "product_id": product.id,
                        "price_unit": 100.0,
                        "tax_ids": [Command.clear()],
                    }
                )
            ],
        }
    )
    invoice.action_post()
    log = env["control.log"]._log("blocked", order, "Bench block")
    request = (
        env["control.approval.request"]
        .sudo()
        .create(
            {
                "res_model": "sale.order",
                "res_id": order.id,
                "res_name": order.name,
                "tier_name": "Bench",
                "requested_by_id": env.user.id,
                "state": "pending",
                "group_id": env.ref("sales_team.group_sale_manager").id,
                "company_id": env.company.id,
            }
        )
    )
    env.flush_all()
    return partner, order, invoice, log, request


def _data(env):
    partner, order, invoice, log, request = _templates(env)
    company = env.company
    today = date.today()
    partner_ids = _copy(
        env, "res_partner", partner.id, CUSTOMERS, {"name": SQL("'Bench Dash ' || n")}
    )
    first = partner_ids[0]
    env.cr.execute(
        SQL(
            "UPDATE res_partner SET commercial_partner_id = id, "
            "credit_limit = jsonb_build_object(%s, 5000 + mod(id, 20) * 1000) "
            "WHERE id IN %s",
            str(company.id),
            tuple(partner_ids),
        )
    )
    partner_expr = SQL("%s + mod(n, %s)", first, CUSTOMERS)
    # Orders and their lines (credit_open_amount: not invoiced yet).
    order_ids = _copy(
        env,
        "sale_order",
        order.id,
        ORDERS,
        {
            "name": SQL("'BSO' || n"),
            "partner_id": partner_expr,
            "partner_invoice_id": partner_expr,
            "partner_shipping_id": partner_expr,
        },
    )
    _copy(
        env,
        "sale_order_line",
        order.order_line.id,
        ORDERS,
        {"order_id": SQL("%s + n", order_ids[0]), "order_partner_id": partner_expr},
    )
    # Invoices: the move and its receivable line (enough for the receivables).
    due_expr = SQL("%s::date - mod(n, 150)::integer", today)
    move_ids = _copy(
        env,
        "account_move",
        invoice.id,
        INVOICES,
        {
            "name": SQL("'BINV/' || %s || '/' || n", invoice.id),
            "partner_id": partner_expr,
            "commercial_partner_id": partner_expr,
            "invoice_date_due": due_expr,
        },
    )
    receivable = invoice.line_ids.filtered(
        lambda line: line.account_id.account_type == "asset_receivable"
    )
    _copy(
        env,
        "account_move_line",
        receivable.id,
        INVOICES,
        {
            "move_id": SQL("%s + n", move_ids[0]),
            "partner_id": partner_expr,
            "date_maturity": due_expr,
        },
    )
    # The control log (a block per order, over the last year) and requests.
    _copy(
        env,
        "control_log",
        log.id,
        ORDERS,
        {
            "res_id": SQL("%s + n", order_ids[0]),
            "date": SQL("now() at time zone 'utc' - mod(n, 365) * interval '1 day'"),
        },
    )
    _copy(
        env,
        "control_approval_request",
        request.id,
        REQUESTS,
        {"res_id": SQL("%s + n", order_ids[0])},
    )
    for table in TABLES:
        env.cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
    env.invalidate_all()


def _best(env, func, *args):
    func(*args)  # warm-up: the registry's caches
    best = None
    for _round in range(ROUNDS):
        _result, queries, seconds = measure(env, func, *args)
        if best is None or seconds < best[1]:
            best = (queries, seconds)
    return best


def bench_dashboard():
    rows = []
    with copy_env(os.environ["IC_BENCH_DB"], "dashboard") as env:
        env = env(context={"tracking_disable": True})
        user_id = _user(env).id
        _measure_all(env, user_id, "as is", rows)
        start = time.perf_counter()
        _data(env)
        env.cr.commit()
        print(f"(data generated in {time.perf_counter() - start:.1f} s)")
        _measure_all(env, user_id, "+ documents, just committed", rows)
        vacuum_analyze(env, TABLES)
        env.invalidate_all()
        _measure_all(env, user_id, "+ documents, vacuumed", rows)
    report(
        f"Dashboard figures (best of {ROUNDS}, a user with every role)",
        rows,
        ("database", "sale orders", "invoices", "read", "queries", "ms"),
    )


def _measure_all(env, user_id, label, rows):
    user = env["res.users"].browse(user_id)
    dashboard = env["control.dashboard"].with_user(user)
    sale_report = env["sale.report"].with_user(user)
    invoice_report = env["account.invoice.report"].with_user(user)

    def sales_by_month():
        return sale_report.read_group(
            [("state", "=", "sale")], ["price_total:sum"], ["date:month"], lazy=False
        )

    def invoices_by_month():
        return invoice_report.read_group(
            [("state", "=", "posted")],
            ["price_total:sum"],
            ["invoice_date:month"],
            lazy=False,
        )

    orders, invoices = env.execute_query(
        SQL(
            "SELECT (SELECT count(*) FROM sale_order WHERE state = 'sale'), "
            "(SELECT count(*) FROM account_move WHERE state = 'posted' "
            "AND move_type = 'out_invoice')"
        )
    )[0]
    reads = [
        (f"get_data({period!r})", dashboard.get_data, period)
        for period in ("month", "year")
    ]
    reads += [
        ("plain: sale.report by month", sales_by_month),
        ("plain: account.invoice.report by month", invoices_by_month),
    ]
    for name, func, *args in reads:
        queries, seconds = _best(env, func, *args)
        rows.append((label, orders, invoices, name, queries, seconds * 1000))


if __name__ == "__main__":
    init_odoo()
    bench_dashboard()
