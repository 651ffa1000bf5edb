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
   (one order per request, as the web client or XML-RPC confirms them, a
   commit each), on throw-away copies of the two databases.
4. Nested budgets: confirming one purchase order, and applying one budget
   change (submission, then the budget manager's approval that applies it),
   on an account with 1 budget (the year) against 13 (the year and its 12
   months); the number of queries must not change.
5. Confirming a purchase order on a budget whose account carries 100, then
   20,000 committed purchase lines, one order per request with a commit
   each (on a throw-away copy of the database): queries and milliseconds
   of the confirmation, and of measuring the budget's figures by the
   definition (what the check did before it read control_budget_total).

Everything else is rolled back.
"""

import os
import sys

from common import (
    SIDE_BY_SIDE_HEADERS,
    bench_env,
    confirm_as_requests,
    copy_env,
    init_odoo,
    load_average,
    measure,
    report,
    side_by_side,
    vacuum_analyze,
)

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
    _copy_rows(env, "account_analytic_line", columns, line.id, count)


def _copy_rows(env, table, columns, row_id, count):
    """``count`` copies of the row ``row_id`` of ``table`` (its ``columns``)
    in one statement."""
    column_list = SQL(", ").join(SQL.identifier(column) for column in columns)
    env.cr.execute(
        SQL(
            """
            INSERT INTO %(table)s (%(columns)s)
            SELECT %(columns)s
              FROM %(table)s, generate_series(1, %(count)s)
             WHERE id = %(row_id)s
            """,
            table=SQL.identifier(table),
            columns=column_list,
            count=count,
            row_id=row_id,
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
# Short rounds, many of them: a burst of load elsewhere hits both sides of
# a round alike (the median of the rounds' ratios drops the rest).
ROUNDS = 16
SAMPLE = 5


class _Side:
    """One database of the side-by-side measure: its environment, its
    account, vendor and product, and the orders confirmed so far."""

    def __init__(self, env, with_budget):
        self.env = env
        self.account, self.vendor, self.product, _budget = _setup(
            env, with_budget=with_budget
        )
        _po(env, self.account, self.vendor, self.product).button_confirm()  # warm-up
        self.done = 1
        self.queries, self.cpu = [], []

    def _orders(self, count):
        return [
            _po(self.env, self.account, self.vendor, self.product)
            for _i in range(count)
        ]

    def grow(self, history):
        """Confirm orders in one batch (not measured) up to ``history``."""
        env = self.env
        if history > self.done:
            env["purchase.order"].concat(
                *self._orders(history - self.done)
            ).button_confirm()
            self.done = history
        env.flush_all()
        vacuum_analyze(env, ("purchase_order", "purchase_order_line"))
        self.queries, self.cpu = [], []

    def sample(self):
        """Seconds per confirmation of ``SAMPLE`` orders confirmed one by
        one, one per request (created and committed beforehand, not
        measured; see :func:`common.confirm_as_requests`)."""
        orders = self._orders(SAMPLE)
        self.env.cr.commit()
        seconds, queries = confirm_as_requests(
            self.env, orders, "button_confirm", "purchase", cpu=self.cpu
        )
        self.queries += queries
        self.done += SAMPLE
        return seconds


def bench_confirm_history():
    print(f"\nload average at start: {load_average()}")
    rows = []
    with (
        copy_env(os.environ["IC_BENCH_PLAIN_DB"], "history") as plain_env,
        copy_env(os.environ["IC_BENCH_DB"], "history") as addons_env,
    ):
        plain = _Side(plain_env, with_budget=False)
        addons = _Side(addons_env, with_budget=True)
        for history in HISTORY:
            plain.grow(history)
            addons.grow(history)
            rows.append((history, *side_by_side(plain, addons, ROUNDS)))
    report(
        "Confirming one purchase order on a confirmed budget: plain Odoo vs "
        f"the addons ({ROUNDS} interleaved rounds of {SAMPLE} orders a side, "
        "one order per request, a commit each)",
        rows,
        ("earlier confirmed orders", *SIDE_BY_SIDE_HEADERS),
    )
    print(f"load average at end: {load_average()}")


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


def _copy_lines(env, line, count):
    """``count`` copies of the purchase line ``line`` (of a confirmed order)
    in one statement, as a large history."""
    env.flush_all()
    env.cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = 'purchase_order_line' AND column_name <> 'id'"
    )
    columns = [column for (column,) in env.cr.fetchall()]
    _copy_rows(env, "purchase_order_line", columns, line.id, count)


def bench_committed_scaling():
    print(f"\nload average at start: {load_average()}")
    rows = []
    with copy_env(os.environ["IC_BENCH_DB"], "committed") as env:
        account, vendor, product, budget = _setup(env)
        first = _po(env, account, vendor, product)
        first.button_confirm()
        done = 1
        for total in (100, 20_000):
            _copy_lines(env, first.order_line[:1], total - done)
            done = total
            vacuum_analyze(env, ("purchase_order_line", "control_budget_total"))
            # Two checks first: the first one trusts the budget's row of
            # control_budget_total, the second stores its figures.
            orders = [_po(env, account, vendor, product) for _i in range(12)]
            env.cr.commit()
            confirm_as_requests(env, orders[:2], "button_confirm", "purchase")
            seconds, queries = confirm_as_requests(
                env, orders[2:], "button_confirm", "purchase"
            )
            rows.append(
                ("confirm one PO", total, sum(queries) / len(queries), seconds * 1000)
            )
            _result, queries, seconds = measure(env, budget._get_consumption_data)
            rows.append(("the definition's figures", total, queries, seconds * 1000))
            assert not budget._budget_total_drift()
    report(
        "Budget check: one purchase order vs the committed purchase lines of "
        "its budget (one order per request, a commit each)",
        rows,
        ["what", "committed lines", "queries", "ms"],
    )
    print(f"load average at end: {load_average()}")


BENCHES = (
    bench_check_scaling,
    bench_confirm_many,
    bench_confirm_history,
    bench_nested,
    bench_committed_scaling,
)

if __name__ == "__main__":
    # Arguments name the benches to run (default: all), e.g. bench_confirm_history.
    init_odoo()
    for bench in BENCHES:
        if not sys.argv[1:] or bench.__name__ in sys.argv[1:]:
            bench()
