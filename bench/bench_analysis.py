"""Cost of the analysis reports (issue 13).

``control.sales.analysis`` over 100,000 confirmed sale orders and 100,000
posted customer invoices (one product line and one receivable line each,
half of them overdue) of 1,000 customers: the pivot's first read (all
measures by customer), by month, and by customer grade. ``control.budget.report``
over 100 budgets with 10,000 committed purchase lines. The documents are SQL
copies of one real order, invoice and purchase order (the reports read
those tables' columns). Everything is rolled back.
"""

from bench_anomaly import copy_rows
from common import bench_env, init_odoo, measure, report

from odoo import Command, fields

ORDERS = 100_000
CUSTOMERS = 1_000
BUDGETS = 100
PURCHASE_LINES = 10_000
MEASURES = [
    "amount_ordered:sum",
    "amount_invoiced:sum",
    "amount_paid:sum",
    "amount_open:sum",
    "amount_overdue:sum",
]


def _max_id(env, table):
    env.cr.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
    return env.cr.fetchone()[0]


def _sales(env):
    env["control.approval.rule"].search([]).active = False
    env["control.anomaly.rule"].search([]).active = False
    product = env["product.product"].create(
        {"name": "Bench Analysis Item", "invoice_policy": "order"}
    )
    customers = env["res.partner"].create(
        [{"name": f"Bench Analysis Customer {i}"} for i in range(CUSTOMERS)]
    )
    first = customers[0].id
    partner = f"({first} + mod(n, {CUSTOMERS}))"
    order = env["sale.order"].create(
        {
            "partner_id": customers[0].id,
            "order_line": [
                Command.create(
                    {"product_id": product.id, "price_unit": 100.0, "tax_id": []}
                )
            ],
        }
    )
    order.action_confirm()
    invoice = order._create_invoices()
    invoice.action_post()
    day = "(current_date - mod(n * 7919, 365) * interval '1 day')"
    base = _max_id(env, "sale_order")
    copy_rows(
        env,
        "sale_order",
        order.id,
        ORDERS,
        {"name": "'BSO/' || n", "partner_id": partner, "date_order": day},
    )
    copy_rows(
        env,
        "sale_order_line",
        order.order_line.id,
        ORDERS,
        {"order_id": f"{base} + n", "order_partner_id": partner},
    )
    base = _max_id(env, "account_move")
    copy_rows(
        env,
        "account_move",
        invoice.id,
        ORDERS,
        {
            "name": "'BINV/' || n",
            "partner_id": partner,
            "commercial_partner_id": partner,
            "invoice_date": f"{day}::date",
            "date": f"{day}::date",
            "invoice_date_due": f"({day} + interval '30 days')::date",
        },
    )
    for line in invoice.line_ids:
        copy_rows(
            env,
            "account_move_line",
            line.id,
            ORDERS,
            {
                "move_id": f"{base} + n",
                "partner_id": partner,
                "date": f"{day}::date",
                "date_maturity": f"({day} + interval '30 days')::date",
            },
        )
    env.cr.execute("ANALYZE sale_order, sale_order_line, account_move_line")


def _budgets(env):
    plan = env["account.analytic.plan"].create({"name": "Bench Analysis Plan"})
    accounts = env["account.analytic.account"].create(
        [{"name": f"Bench Center {i}", "plan_id": plan.id} for i in range(BUDGETS)]
    )
    today = fields.Date.today()
    env["control.budget"].create(
        [
            {
                "name": f"Bench Budget {account.id}",
                "analytic_account_id": account.id,
                "date_from": today.replace(month=1, day=1),
                "date_to": today.replace(month=12, day=31),
                "amount": 1_000_000.0,
                "state": "confirmed",
            }
            for account in accounts
        ]
    )
    vendor = env["res.partner"].create({"name": "Bench Analysis Vendor"})
    product = env["product.product"].create({"name": "Bench Analysis Service"})
    order = env["purchase.order"].create(
        {
            "partner_id": vendor.id,
            "order_line": [
                Command.create(
                    {
                        "product_id": product.id,
                        "price_unit": 10.0,
                        "taxes_id": [],
                        "analytic_distribution": {str(accounts[0].id): 100},
                    }
                )
            ],
        }
    )
    order.button_confirm()
    first = accounts[0].id
    copy_rows(
        env,
        "purchase_order_line",
        order.order_line.id,
        PURCHASE_LINES,
        {
            "analytic_distribution": (
                f"jsonb_build_object(({first} + mod(n, {BUDGETS}))::text, 100)"
            )
        },
    )
    env.cr.execute("ANALYZE purchase_order_line, control_budget")


def main():
    init_odoo()
    rows = []
    with bench_env() as env:
        _sales(env)
        Analysis = env["control.sales.analysis"]
        for label, groupby in (
            ("by customer (pivot's first read)", ["partner_id"]),
            ("by month", ["date:month"]),
            (
                "by customer grade",
                ["credit_grade"] if "credit_grade" in Analysis else [],
            ),
            ("by product category and team", ["categ_id", "team_id"]),
        ):
            result, queries, seconds = measure(
                env, Analysis._read_group, [], groupby, MEASURES
            )
            rows.append((f"sales analysis {label}", len(result), queries, seconds))
        _budgets(env)
        Report = env["control.budget.report"]
        result, queries, seconds = measure(
            env,
            Report._read_group,
            [],
            ["budget_id"],
            ["planned_amount:sum", "consumed_amount:sum", "consumed_pct:sum"],
        )
        rows.append(("budget analysis by budget", len(result), queries, seconds))
    report(
        f"read_group of the analysis reports ({ORDERS:,} orders and invoices of "
        f"{CUSTOMERS:,} customers; {BUDGETS} budgets, {PURCHASE_LINES:,} "
        "committed purchase lines)",
        rows,
        ["read", "groups", "queries", "seconds"],
    )


if __name__ == "__main__":
    main()
