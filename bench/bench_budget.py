"""Budget control: cost of the check.

1. Queries and time to confirm one purchase order against a budget whose
   analytic account carries 10 vs 50,000 analytic lines of posted journal
   items (the number of queries must not change), and the same for computing
   the budget's figures alone.
2. Confirming 200 purchase orders one by one with the module against plain
   Odoo (sale_management, purchase, account): time, queries and the ratio.
3. Confirming a purchase order on a confirmed budget, plain Odoo against
   the addons, after 100 and after 800 confirmed orders on the same
   analytic account: queries and milliseconds per confirmation side by side
   (one order per request, as the web client or XML-RPC confirms them).
4. Nested budgets: confirming one purchase order, and applying one budget
   change (submission, then the budget manager's approval that applies it),
   on an account with 1 budget (the year) against 13 (the year and its 12
   months); the number of queries must not change.

Everything is rolled back.
"""

from common import bench_env, init_odoo, measure, report

from odoo import Command, fields
from odoo.tools import SQL

ORDERS = 200


def _setup(env, with_budget=True):
    env.user.groups_id += env.ref("analytic.group_analytic_accounting")
    plan = env["account.analytic.plan"].create({"name": "Bench departments"})
    account = env["account.analytic.account"].create(
        {"name": "Bench department", "plan_id": plan.id, "company_id": False}
    )
    vendor = env["res.partner"].create({"name": "Bench vendor"})
    product = env["product.product"].create(
        {
            "name": "Bench service",
            "type": "service",
            "purchase_method": "purchase",
            "supplier_taxes_id": [Command.clear()],
        }
    )
    budget = None
    if with_budget:
        today = fields.Date.today()
        budget = env["control.budget"].create(
            {
                "name": "Bench budget",
                "analytic_account_id": account.id,
                "date_from": today.replace(month=1, day=1),
                "date_to": today.replace(month=12, day=31),
                "amount": 1e12,
            }
        )
        budget.action_confirm()
    return account, vendor, product, budget


def _po(env, account, vendor, product, amount=100.0):
    return env["purchase.order"].create(
        {
            "partner_id": vendor.id,
            "order_line": [
                Command.create(
                    {
                        "product_id": product.id,
                        "product_qty": 1,
                        "price_unit": amount,
                        "taxes_id": [Command.clear()],
                        "analytic_distribution": {str(account.id): 100},
                    }
                )
            ],
        }
    )


def _bill(env, account, vendor, product):
    bill = env["account.move"].create(
        {
            "move_type": "in_invoice",
            "partner_id": vendor.id,
            "invoice_date": fields.Date.today(),
            "invoice_line_ids": [
                Command.create(
                    {
                        "product_id": product.id,
                        "quantity": 1,
                        "price_unit": 10.0,
                        "tax_ids": [Command.clear()],
                        "analytic_distribution": {str(account.id): 100},
                    }
                )
            ],
        }
    )
    bill.action_post()
    return bill


def _add_analytic_lines(env, bill, count):
    """Duplicate the bill's analytic line ``count`` times (same posted item)."""
    env.flush_all()
    line = bill.line_ids.analytic_line_ids[:1]
    columns = [
        "name",
        "date",
        "amount",
        "unit_amount",
        "company_id",
        "currency_id",
        "move_line_id",
        "general_account_id",
        "partner_id",
        "create_uid",
        "create_date",
        "write_uid",
        "write_date",
        *line._get_plan_fnames(),
    ]
    column_list = SQL(", ").join(SQL.identifier(column) for column in columns)
    env.cr.execute(
        SQL(
            """
            INSERT INTO account_analytic_line (%(columns)s)
            SELECT %(columns)s
              FROM account_analytic_line, generate_series(1, %(count)s)
             WHERE id = %(line_id)s
            """,
            columns=column_list,
            count=count,
            line_id=line.id,
        )
    )
    env.invalidate_all()


def bench_check_scaling():
    rows = []
    with bench_env() as env:
        account, vendor, product, budget = _setup(env)
        bill = _bill(env, account, vendor, product)
        # Warm-up (caches, prepared plans).
        _po(env, account, vendor, product).button_confirm()
        _add_analytic_lines(env, bill, 9)  # 10 analytic lines in all
        for total, extra in ((10, 0), (50_000, 50_000 - 10)):
            if extra:
                _add_analytic_lines(env, bill, extra)
                env.cr.execute("ANALYZE account_analytic_line")
            env.cr.execute(
                "SELECT count(*) FROM account_analytic_line WHERE move_line_id IN %s",
                [tuple(bill.line_ids.ids)],
            )
            assert env.cr.fetchone()[0] == total
            po = _po(env, account, vendor, product)
            _result, queries, seconds = measure(env, po.button_confirm)
            assert po.state == "purchase"
            rows.append(("confirm one PO", total, queries, seconds * 1000))
            _result, queries, seconds = measure(env, budget._get_consumption_data)
            rows.append(("budget figures", total, queries, seconds * 1000))
    report(
        "Budget check: one purchase order vs the number of analytic lines",
        rows,
        ["what", "analytic lines", "queries", "ms"],
    )


def _confirm_many(env, with_budget):
    account, vendor, product, _budget = _setup(env, with_budget=with_budget)
    orders = [_po(env, account, vendor, product) for _i in range(ORDERS + 1)]
    orders[0].button_confirm()  # warm-up

    def confirm_all():
        # One order per request, flushed at its end as the web client or an
        # XML-RPC call would: otherwise plain Odoo batches the writes of all
        # 200 orders into one flush, which no user ever gets.
        for order in orders[1:]:
            order.button_confirm()
            env.flush_all()

    _result, queries, seconds = measure(env, confirm_all)
    assert all(order.state == "purchase" for order in orders)
    return queries, seconds


def bench_confirm_many():
    with bench_env() as env:
        queries, seconds = _confirm_many(env, with_budget=True)
    with bench_env(plain=True) as env:
        plain_queries, plain_seconds = _confirm_many(env, with_budget=False)
    rows = [
        ("plain Odoo", ORDERS, plain_queries, plain_seconds),
        ("with budget_control", ORDERS, queries, seconds),
        (
            "ratio",
            "",
            f"{queries / plain_queries:.2f}",
            f"{seconds / plain_seconds:.2f}",
        ),
    ]
    report(
        f"Confirming {ORDERS} purchase orders one by one",
        rows,
        ["database", "orders", "queries", "seconds"],
    )


HISTORY = (100, 800)
SAMPLE = 30


def _confirm_sampled(env, with_budget):
    """``{history: (queries, ms)}`` per confirmation, averaged over
    ``SAMPLE`` orders confirmed one by one after ``history`` earlier
    confirmed orders on the account."""
    account, vendor, product, _budget = _setup(env, with_budget=with_budget)
    _po(env, account, vendor, product).button_confirm()  # warm-up
    figures = {}
    done = 1
    for history in HISTORY:
        # The history is confirmed in one batch (its cost is not measured).
        env["purchase.order"].concat(
            *(_po(env, account, vendor, product) for _i in range(history - done))
        ).button_confirm()
        env.flush_all()
        env.cr.execute("ANALYZE purchase_order, purchase_order_line")
        orders = [_po(env, account, vendor, product) for _i in range(SAMPLE)]
        # What a commit runs (the chatter's tracking of the new orders).
        env.cr.flush()
        queries = seconds = 0
        for order in orders:
            _result, order_queries, order_seconds = measure(env, order.button_confirm)
            assert order.state == "purchase", order.state
            env.cr.flush()
            queries += order_queries
            seconds += order_seconds
        figures[history] = (queries / SAMPLE, seconds / SAMPLE * 1000)
        done = history + SAMPLE
    return figures


def bench_confirm_history():
    with bench_env(plain=True) as env:
        plain = _confirm_sampled(env, with_budget=False)
    with bench_env() as env:
        addons = _confirm_sampled(env, with_budget=True)
    rows = []
    for history in HISTORY:
        plain_q, plain_ms = plain[history]
        q, ms = addons[history]
        rows.append(
            (
                history,
                f"{plain_q:.1f}",
                f"{q:.1f}",
                f"{q - plain_q:+.1f}",
                f"{plain_ms:.1f}",
                f"{ms:.1f}",
                f"{ms / plain_ms:.2f}",
            )
        )
    report(
        "Confirming one purchase order on a confirmed budget: plain Odoo vs "
        f"the addons (mean of {SAMPLE} orders, one per request)",
        rows,
        [
            "earlier confirmed orders",
            "queries plain",
            "queries addons",
            "extra",
            "ms plain",
            "ms addons",
            "time ratio",
        ],
    )


def _change_queries(env, budget):
    """Queries of submitting an increase of ``budget`` and of approving it
    (which applies it), as two requests."""
    change = env["control.budget.change"].create(
        {
            "budget_id": budget.id,
            "change_type": "increase",
            "amount": 100.0,
            "reason": "Bench",
        }
    )
    _result, submit_queries, submit_seconds = measure(env, change.action_submit)
    request = change.approval_request_ids.filtered(lambda r: r.state == "pending")
    approver = env.ref("base.user_admin")
    _result, apply_queries, apply_seconds = measure(
        env, request.with_user(approver).action_approve
    )
    assert change.state == "applied", change.state
    return submit_queries, submit_seconds, apply_queries, apply_seconds


def bench_nested():
    rows = []
    with bench_env() as env:
        env["control.approval.rule"].search(
            [("model_name", "in", ("purchase.order", "control.budget.change"))]
        ).active = False
        env.ref("base.user_admin").groups_id += env.ref(
            "budget_control.group_budget_manager"
        )
        account, vendor, product, budget = _setup(env)
        # Warm-up (caches, prepared plans).
        _po(env, account, vendor, product).button_confirm()
        _change_queries(env, budget)
        for count in (1, 13):
            if count > 1:
                months = env["control.budget"].browse(
                    budget.action_split("month")["domain"][0][2]
                )
                months.write({"amount": 1e11})
                months.action_confirm()
                _po(env, account, vendor, product).button_confirm()
                _change_queries(env, months[0])
            assert (
                env["control.budget"].search_count(
                    [
                        ("analytic_account_id", "=", account.id),
                        ("state", "=", "confirmed"),
                    ]
                )
                == count
            )
            po = _po(env, account, vendor, product)
            _result, queries, seconds = measure(env, po.button_confirm)
            assert po.state == "purchase"
            rows.append(("confirm one PO", count, queries, seconds * 1000))
            target = budget if count == 1 else months[-1]
            submit_q, submit_s, apply_q, apply_s = _change_queries(env, target)
            rows.append(("submit a change", count, submit_q, submit_s * 1000))
            rows.append(("approve and apply it", count, apply_q, apply_s * 1000))
    report(
        "Nested budgets: one account with the year alone vs the year and 12 months",
        rows,
        ["what", "confirmed budgets", "queries", "ms"],
    )


if __name__ == "__main__":
    init_odoo()
    bench_check_scaling()
    bench_confirm_many()
    bench_confirm_history()
    bench_nested()
