"""Cost of the anomaly detectors (issue 11).

(a) Queries and time that each event detector adds to one posting or
confirmation: one rule active at a time (action ``warn``) against no rule,
with 10 and with 100,000 earlier documents of the same partner (vendor
bills, payments, purchase orders; partners for the partner detectors). The
history is made of SQL copies of one real document row (the detectors read
those tables' columns only, not their lines), with amounts spread
log-uniformly over 1,000-10,000 and dates over the last year. The measured
document is not flagged (no finding is written): this is the detection.
``off_hours_payment`` is given business hours that leave out the hour the
bench runs in (so that it runs its statement whenever the bench runs) and an
``amount_min`` above the measured payments (so that it flags none of them).

(b) ``action_scan`` of each detector's rule over a year of 100,000 vendor
bills and 100,000 payments of 1,000 vendors: seconds, queries, new findings
and peak memory (Python allocations with tracemalloc, and the growth of the
process's maximum resident set size); a statement running over 120 s is
cancelled and reported as such.

Everything is rolled back.
"""

import resource
import time
import tracemalloc
from datetime import datetime

import psycopg2
from common import bench_env, init_odoo, measure, report

from odoo import Command, fields
from odoo.tools import SQL

EVENT_DETECTORS = {
    "account.move": ("duplicate_bill", "unusual_amount", "vendor_employee"),
    "account.payment": (
        "bank_change_payment",
        "off_hours_payment",
        "unusual_amount",
        "vendor_employee",
    ),
    "purchase.order": ("split_order", "unusual_amount"),
    "res.partner": ("vendor_employee", "duplicate_partner"),
}
RULE_VALUES = {
    "duplicate_bill": {"window_days": 7, "tolerance_pct": 0.0},
    "bank_change_payment": {"window_days": 30},
    # business hours: set by Bench.__init__ to leave out the current hour
    "off_hours_payment": {"amount_min": 1_000_000_000},
    "split_order": {"window_days": 7},
    "unusual_amount": {"threshold": 3.5},
    "vendor_employee": {},
    "duplicate_partner": {},
    "benford": {"threshold": 0.015},
}
# A pseudo-random fraction of the row number n, and an amount whose first
# digits follow Benford's law (log-uniform over one decade).
FRACTION = "(n * 0.6180339887 - floor(n * 0.6180339887))"
AMOUNT = f"round((1000 * power(10, {FRACTION}))::numeric, 2)"
SCAN_TIMEOUT = 120
# What one detector may add to a posting or confirmation (issue 16).
MAX_QUERIES = 2


def copy_rows(env, table, source_id, count, overrides):
    """Insert ``count`` copies of row ``source_id`` of ``table`` in one
    query; ``overrides``: column -> SQL expression of the row number n."""
    env.flush_all()
    env.cr.execute(
        SQL(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = %s AND column_name != 'id' ORDER BY ordinal_position",
            table,
        )
    )
    columns = [row[0] for row in env.cr.fetchall()]
    values = [
        SQL(overrides[column]) if column in overrides else SQL.identifier("t", column)
        for column in columns
    ]
    env.cr.execute(
        SQL(
            "INSERT INTO %s (%s) SELECT %s FROM %s t, generate_series(1, %s) n "
            "WHERE t.id = %s",
            SQL.identifier(table),
            SQL(", ").join(SQL.identifier(column) for column in columns),
            SQL(", ").join(values),
            SQL.identifier(table),
            count,
            source_id,
        )
    )
    env.invalidate_all()


def days_ago(spread):
    """A date within the last ``spread`` days (the day before at least)."""
    return f"(current_date - (1 + mod(n * 7919, {spread})) * interval '1 day')::date"


class Bench:
    def __init__(self, env):
        self.env = env
        env["control.anomaly.rule"].search([]).active = False
        env["control.approval.rule"].search([]).active = False
        self.company = env.company
        self.product = env["product.product"].create(
            {"name": "Bench Anomaly Item", "standard_price": 100.0}
        )
        env["control.approval.rule"].create(
            {
                "name": "Bench big purchases",
                "model_name": "purchase.order",
                "amount_min": 1_000_000_000,
                "tier_ids": [
                    Command.create(
                        {
                            "name": "Manager",
                            "group_id": env.ref("purchase.group_purchase_manager").id,
                        }
                    )
                ],
            }
        )
        self.rules = {
            detector: env["control.anomaly.rule"].create(
                dict(
                    {
                        "name": f"Bench {detector}",
                        "detector": detector,
                        "action": "warn",
                        "active": False,
                    },
                    **values,
                )
            )
            for detector, values in RULE_VALUES.items()
        }
        # One hour of business, two hours from now in the company's time
        # zone: the detector runs its statement during the bench.
        off_hours = self.rules["off_hours_payment"]
        now = datetime.now(off_hours._company_tz())
        start = (now.hour + 2) % 23
        off_hours.write({"hour_from": start, "hour_to": start + 1})

    # ----------------------------------------------------------- documents
    def bill(self, partner, price, ref):
        move = self.env["account.move"].create(
            {
                "move_type": "in_invoice",
                "partner_id": partner.id,
                "ref": ref,
                "invoice_date": fields.Date.today(),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Bench",
                            "quantity": 1,
                            "price_unit": price,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        return move

    def payment(self, partner, amount):
        return self.env["account.payment"].create(
            {
                "payment_type": "outbound",
                "partner_type": "supplier",
                "partner_id": partner.id,
                "amount": amount,
            }
        )

    def order(self, partner, price):
        return self.env["purchase.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "product_qty": 1,
                            "price_unit": price,
                            "taxes_id": [Command.clear()],
                        }
                    )
                ],
            }
        )

    def history(self, partner, count):
        """``count`` earlier bills, payments, orders of ``partner``, and
        ``count`` other partners."""
        bill = self.bill(partner, 2000.0, "BENCH-SOURCE")
        bill.action_post()
        payment = self.payment(partner, 2000.0)
        payment.action_post()
        order = self.order(partner, 2000.0)
        order.button_confirm()
        self.history_rows(bill, payment, count, partner_expr=str(partner.id))
        copy_rows(
            self.env,
            "purchase_order",
            order.id,
            count,
            {
                "name": "'BPO/' || n",
                "date_order": f"{days_ago(365)} + interval '10 hours'",
                "amount_total": AMOUNT,
                "amount_untaxed": AMOUNT,
            },
        )
        copy_rows(
            self.env,
            "res_partner",
            partner.id,
            count,
            {
                "name": f"'Bench Other Partner {partner.id}-' || n",
                "complete_name": f"'Bench Other Partner {partner.id}-' || n",
                "vat": "'BX' || n",
                "email": "'bench' || n || '@example.com'",
                "phone": "'+32 470 ' || n",
                # each its own company, not a contact of the measured partner
                "commercial_partner_id": "NULL",
            },
        )
        self.env.cr.execute(
            "UPDATE res_partner SET commercial_partner_id = id"
            " WHERE commercial_partner_id IS NULL"
        )

    def history_rows(self, bill, payment, count, partner_expr):
        amount_signed = f"-{AMOUNT}"
        copy_rows(
            self.env,
            "account_move",
            bill.id,
            count,
            {
                "name": f"'BH/{bill.id}/' || n",
                "ref": f"'BH-{bill.id}-' || n",
                "invoice_date": days_ago(365),
                "date": days_ago(365),
                "amount_total_signed": amount_signed,
                "amount_total": AMOUNT,
                "amount_untaxed": AMOUNT,
                "amount_untaxed_signed": amount_signed,
                "amount_total_in_currency_signed": amount_signed,
                "partner_id": partner_expr,
                "commercial_partner_id": partner_expr,
            },
        )
        copy_rows(
            self.env,
            "account_payment",
            payment.id,
            count,
            {
                "name": f"'BP/{payment.id}/' || n",
                "date": days_ago(365),
                "amount": AMOUNT,
                "amount_company_currency_signed": amount_signed,
                "move_id": "NULL",
                "partner_id": partner_expr,
            },
        )

    # -------------------------------------------------------------- events
    def activate(self, detector):
        for name, rule in self.rules.items():
            if rule.active != (name == detector):
                rule.active = name == detector

    def event(self, model_name, partner, serial):
        """Create a document (or a partner) that no detector flags, and
        return the callable that posts or confirms it (creates it)."""
        if model_name == "account.move":
            move = self.bill(partner, 3000.37 + serial, f"BENCH-NEW-{serial}")
            return move.action_post
        if model_name == "account.payment":
            return self.payment(partner, 3000.37 + serial).action_post
        if model_name == "purchase.order":
            return self.order(partner, 3000.37 + serial).button_confirm
        return lambda: self.env["res.partner"].create(
            {
                "name": f"Bench New Partner {serial}",
                "vat": f"BN{serial}",
                "phone": f"+32 471 {serial}",
                "supplier_rank": 1,
            }
        )

    def cost(self, model_name, detector, partner, serial):
        """Queries and milliseconds (the medians) of three postings after a
        warm-up one (a rule change clears Odoo's caches). Not the least
        query count: the first posting after the history is built can find
        something cached that the later ones look up again, and a base
        measured one query low makes every detector look one query dearer."""
        self.activate(detector)
        self.event(model_name, partner, serial)()
        runs = sorted(
            measure(self.env, self.event(model_name, partner, serial + run))[1:]
            for run in range(1, 4)
        )
        return (
            sorted(queries for queries, _s in runs)[1],
            sorted(seconds for _q, seconds in runs)[1],
        )


def events(count):
    rows = {}
    with bench_env() as env:
        bench = Bench(env)
        partner = env["res.partner"].create(
            {"name": f"Bench Anomaly Vendor {count}", "supplier_rank": 1}
        )
        bench.history(partner, count)
        env.cr.execute("ANALYZE")
        serial = 0
        for model_name, detectors in EVENT_DETECTORS.items():
            serial += 10
            base_queries, base_seconds = bench.cost(model_name, None, partner, serial)
            for detector in detectors:
                serial += 10
                queries, seconds = bench.cost(model_name, detector, partner, serial)
                rows[model_name, detector] = (
                    queries - base_queries,
                    (seconds - base_seconds) * 1000,
                )
        flagged = env["control.anomaly"].search(
            [("rule_id", "in", [rule.id for rule in bench.rules.values()])]
        )
        assert not flagged, "the measured documents must not be flagged: %s" % (
            ", ".join(sorted(set(flagged.mapped("detector"))))
        )
    return rows


def scan(bills, payments, vendors):
    with bench_env() as env:
        bench = Bench(env)
        partners = env["res.partner"].create(
            [{"name": f"Bench Scan Vendor {i}", "supplier_rank": 1} for i in range(2)]
        )
        bill = bench.bill(partners[0], 2000.0, "BENCH-SCAN-SOURCE")
        bill.action_post()
        payment = bench.payment(partners[0], 2000.0)
        payment.action_post()
        copy_rows(
            env,
            "res_partner",
            partners[1].id,
            vendors - 2,
            {
                "name": "'Bench Scan Vendor x' || n",
                "complete_name": "'Bench Scan Vendor x' || n",
            },
        )
        env.cr.execute(
            SQL(
                "SELECT array_agg(id ORDER BY id) FROM res_partner WHERE name LIKE %s",
                "Bench Scan Vendor %",
            )
        )
        vendor_ids = env.cr.fetchone()[0]
        partner_expr = f"(ARRAY{vendor_ids})[1 + mod(n, {len(vendor_ids)})]"
        bench.history_rows(bill, payment, bills, partner_expr)
        if payments != bills:
            raise ValueError("the bench copies as many payments as bills")
        env.cr.execute("ANALYZE")
        rows = []
        rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        for detector, rule in bench.rules.items():
            bench.activate(detector)
            rows.append((detector, *scan_one(env, rule)))
        rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_start
        return rows, rss_growth / 1024


def scan_one(env, rule):
    """Seconds, queries, new findings and peak Python memory (MB) of one
    rule's scan over the last year, rolled back; a statement running over
    SCAN_TIMEOUT seconds is cancelled and reported."""
    date_from = fields.Date.subtract(fields.Date.today(), days=366)
    date_to = fields.Date.today()
    env.flush_all()
    env.cr.execute("SAVEPOINT bench_scan")
    env.cr.execute(SQL("SET LOCAL statement_timeout = %s", f"{SCAN_TIMEOUT}s"))
    tracemalloc.start()
    start = time.perf_counter()
    try:
        found, queries, _seconds = measure(env, rule.action_scan, date_from, date_to)
    except psycopg2.errors.QueryCanceled:
        found = queries = f"cancelled after {SCAN_TIMEOUT} s"
    seconds = time.perf_counter() - start
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    env.cr.execute("ROLLBACK TO SAVEPOINT bench_scan")
    env.cr.execute("SET LOCAL statement_timeout = 0")
    env.invalidate_all()
    env.registry.clear_cache()
    return seconds, queries, found, peak / 2**20


def main():
    init_odoo()
    few, many = events(10), events(100_000)
    report(
        "Queries (and ms) one detector adds to one posting or confirmation, "
        "with 10 and with 100,000 earlier documents of the partner",
        [
            (
                model_name,
                detector,
                few[model_name, detector][0],
                many[model_name, detector][0],
                few[model_name, detector][1],
                many[model_name, detector][1],
                "yes"
                if max(few[model_name, detector][0], many[model_name, detector][0])
                <= MAX_QUERIES
                else "NO",
            )
            for model_name, detector in few
        ],
        [
            "document",
            "detector",
            "queries 10",
            "queries 100k",
            "ms 10",
            "ms 100k",
            f"<= {MAX_QUERIES} queries",
        ],
    )
    rows, rss_mb = scan(100_000, 100_000, 1_000)
    report(
        "action_scan of one rule over one year of 100,000 vendor bills and "
        "100,000 payments of 1,000 vendors (Python peak with tracemalloc; max "
        f"RSS of the process grew by {rss_mb:.0f} MB over all scans)",
        rows,
        ["detector", "seconds", "queries", "findings", "peak Python MB"],
    )


if __name__ == "__main__":
    main()
