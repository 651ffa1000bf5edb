"""Benchmark of credit_rating.

1. One credit check (``res.partner.credit_check``) for a customer with 10,
   1,000 and 10,000 open receivable lines: the number of queries must not grow.
2. Confirming sale orders one by one as requests do (the cache empty at the
   start, everything flushed and committed at the end), customers with a
   credit limit and no approval rule hit, with the four addons against
   plain Odoo (sale_management, purchase, account) on the same data:
   queries and time per confirmation, for distinct customers and for one
   customer, in interleaved rounds (plain, addons, addons, plain, ...) so
   that both sides see the same load on a shared machine; the load average
   at the start and the end. It runs on throw-away copies of the two
   databases, vacuumed and analyzed once the orders are created.
3. The check against the customer's history (``bench_exposure_scaling``)
   and the ledger triggers' cost at posting.
4. Rewriting 100,000 journal items with and without the statement-level
   triggers (``bench_bulk_rewrite``), as a migration or a module update
   does.
5. PostgreSQL's own CPU per sale confirmation, by phase, from perf samples
   of the two backends (``bench_backend_profile``).

The first bench runs in a transaction that is rolled back.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from statistics import median

from common import (
    SIDE_BY_SIDE_HEADERS,
    bench_env,
    confirm_as_requests,
    copy_env,
    init_odoo,
    interleaved,
    load_average,
    measure,
    new_request,
    report,
    side_by_side,
    vacuum_analyze,
)

from odoo import Command
from odoo.tools import SQL

SIZES = (10, 1000, 10000)


def _product(env):
    return env["product.product"].create(
        {
            "name": "Bench Product",
            "type": "consu",
            "list_price": 10.0,
            "invoice_policy": "order",
            "taxes_id": [Command.clear()],
        }
    )


def _open_receivables(env, partner, count):
    """``count`` open receivable lines of ``partner``, a fast stand-in for
    ``count`` posted invoices: one posted entry is created with the ORM, then
    its receivable line is copied in SQL (``generate_series``) and the
    counterpart is adjusted so that the entry stays balanced."""
    company = env.company
    receivable = partner.with_company(company).property_account_receivable_id
    income = env["account.account"].search(
        [("company_ids", "in", company.id), ("account_type", "=", "income")], limit=1
    )
    journal = env["account.journal"].search(
        [("company_id", "=", company.id), ("type", "=", "general")], limit=1
    )
    move = env["account.move"].create(
        {
            "move_type": "entry",
            "journal_id": journal.id,
            "line_ids": [
                Command.create(
                    {
                        "account_id": receivable.id,
                        "partner_id": partner.id,
                        "name": "INV",
                        "debit": 10.0,
                        "date_maturity": date.today() + timedelta(days=30),
                    }
                ),
                Command.create(
                    {"account_id": income.id, "name": "Sales", "credit": 10.0}
                ),
            ],
        }
    )
    move.action_post()
    env.flush_all()
    debit_line = move.line_ids.filtered(lambda line: line.account_id == receivable)
    credit_line = move.line_ids - debit_line
    columns = [
        row[0]
        for row in env.execute_query(
            SQL(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'account_move_line' AND column_name != 'id'"
            )
        )
    ]
    column_list = SQL(", ").join(SQL.identifier(c) for c in columns)
    env.cr.execute(
        SQL(
            "INSERT INTO account_move_line (%s) SELECT %s FROM account_move_line, "
            "generate_series(1, %s) WHERE id = %s",
            column_list,
            column_list,
            count - 1,
            debit_line.id,
        )
    )
    total = 10.0 * count
    env.cr.execute(
        SQL(
            "UPDATE account_move_line SET credit = %s, balance = %s, "
            "amount_currency = %s, amount_residual = %s WHERE id = %s",
            total,
            -total,
            -total,
            -total,
            credit_line.id,
        )
    )
    env.invalidate_all()
    return move


def bench_credit_check():
    rows = []
    with bench_env() as env:
        product = _product(env)
        for size in SIZES:
            partner = env["res.partner"].create(
                {"name": f"Bench Customer {size}", "credit_limit": 1e9}
            )
            _open_receivables(env, partner, size)
            order = env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "order_line": [
                        Command.create({"product_id": product.id, "price_unit": 50.0})
                    ],
                }
            )
            order.action_confirm()
            partner.credit_check(100.0)  # warm-up (caches of the company, etc.)
            result, queries, seconds = measure(env, partner.credit_check, 100.0)
            rows.append((size, queries, seconds * 1000, round(result["exposure"], 2)))
    report(
        "One credit check (res.partner.credit_check)",
        rows,
        ("open receivable lines", "queries", "ms", "exposure"),
    )


# Short rounds, many of them: a burst of load elsewhere hits both sides of
# a round alike (the median of the rounds' ratios drops the rest).
ROUNDS = 20
SAMPLE = 5


class _Side:
    """One database of the side-by-side measure: ``ROUNDS * SAMPLE`` orders
    of distinct customers (or of one customer) created up front. With the
    addons, every customer has a credit limit (no rule hit)."""

    def __init__(self, env, plain, shared, rounds=None):
        self.env = env
        product = _product(env)
        count = (rounds or ROUNDS) * SAMPLE + 1
        partners = env["res.partner"].create(
            [{"name": f"Bench Confirm Customer {i}"} for i in range(count)]
        )
        if not plain:
            partners.write({"credit_limit": 1e9})
        self.orders = env["sale.order"].create(
            [
                {
                    "partner_id": partners[0 if shared else i].id,
                    "order_line": [
                        Command.create(
                            {"product_id": product.id, "price_unit": 10.0 + i}
                        )
                    ],
                }
                for i in range(count)
            ]
        )
        # warm-up: the registry's caches, as in a running server
        self.orders[:1].action_confirm()
        self.orders = self.orders[1:]
        vacuum_analyze(env)
        self.queries, self.cpu = [], []

    def sample(self):
        """Seconds per confirmation of the next ``SAMPLE`` orders, one by
        one as requests do (:func:`common.confirm_as_requests`)."""
        orders, self.orders = self.orders[:SAMPLE], self.orders[SAMPLE:]
        seconds, queries = confirm_as_requests(
            self.env, orders, "action_confirm", "sale", cpu=self.cpu
        )
        self.queries += queries
        return seconds


def bench_confirmations():
    # Rounds alternate between the two databases (A B B A ...), so both see
    # the same load on a shared machine: the median of the rounds' ratios,
    # and each side's best round.
    print(f"\nload average at start: {load_average()}")
    rows = []
    for shared in (False, True):
        with (
            copy_env(os.environ["IC_BENCH_PLAIN_DB"], "confirm") as plain_env,
            copy_env(os.environ["IC_BENCH_DB"], "confirm") as addons_env,
        ):
            plain = _Side(plain_env, plain=True, shared=shared)
            addons = _Side(addons_env, plain=False, shared=shared)
            cells = side_by_side(plain, addons, ROUNDS)
        rows.append(("one customer" if shared else "distinct customers", *cells))
    report(
        "Confirming a sale order, credit limit set, no rule hit ("
        f"{ROUNDS} interleaved rounds of {SAMPLE} orders a side, one by one, "
        "a commit each; plain Odoo vs the four addons)",
        rows,
        ("customers", *SIDE_BY_SIDE_HEADERS),
    )
    print(f"load average at end: {load_average()}")


def _post_as_requests(env, moves):
    """Seconds per posting of ``moves``, one request each (a commit each)."""
    seconds = 0.0
    for move in moves:
        new_request(env)
        start = time.perf_counter()
        move.action_post()
        env.flush_all()
        env.cr.commit()
        seconds += time.perf_counter() - start
    return seconds / len(moves)


POSTINGS = 30


def _ledger_function_stats(env):
    """``{function: (calls, ms)}`` of the ledger's functions so far."""
    env.cr.commit()  # the counts are reported at the end of a transaction
    env.cr.execute("SELECT pg_stat_force_next_flush()")
    env.cr.commit()
    env.cr.execute("SELECT pg_stat_clear_snapshot()")
    env.cr.execute(
        "SELECT funcname, calls, self_time FROM pg_stat_user_functions "
        "WHERE funcname LIKE 'credit_exposure%'"
    )
    return {name: (calls, ms) for name, calls, ms in env.cr.fetchall()}


def bench_exposure_scaling():
    """The credit check of a customer with 10, 10,000 and 50,000 open
    receivable lines: a confirmation (one request, a commit each), the
    check's function alone, and the definition it summed before the ledger;
    then what the ledger's triggers cost a posting."""
    print(f"\nload average at start: {load_average()}")
    rows = []
    with copy_env(os.environ["IC_BENCH_DB"], "exposure") as env:
        product = _product(env)
        Partner = env["res.partner"]
        fallbacks = json.dumps(Partner.sudo()._credit_check_fallbacks())
        for size in (10, 10_000, 50_000):
            partner = Partner.create(
                {"name": f"Bench Exposure {size}", "credit_limit": 1e12}
            )
            _open_receivables(env, partner, size)
            orders = env["sale.order"].create(
                [
                    {
                        "partner_id": partner.id,
                        "order_line": [
                            Command.create(
                                {"product_id": product.id, "price_unit": 5.0}
                            )
                        ],
                    }
                    for _i in range(12)
                ]
            )
            env.cr.commit()
            vacuum_analyze(env, ("account_move_line", "credit_exposure_ledger"))
            confirm_as_requests(env, orders[:2], "action_confirm", "sale")
            seconds, queries = confirm_as_requests(
                env, orders[2:], "action_confirm", "sale"
            )
            rows.append(
                ("confirm one order", size, sum(queries) / len(queries), seconds * 1000)
            )
            function = SQL(
                "SELECT * FROM credit_rating_lock_and_measure(%s::int[], %s, "
                "CURRENT_DATE, %s::jsonb, false)",
                [partner.id],
                env.company.id,
                fallbacks,
            )
            env.cr.execute(function)
            start = time.perf_counter()
            for _i in range(50):
                env.cr.execute(function)
            seconds = (time.perf_counter() - start) / 50
            env.cr.rollback()
            rows.append(("the check's function alone", size, 1, seconds * 1000))
            definition = Partner._credit_exposure_query(
                env.company, SQL("%s", (partner.id,)), date.today()
            )
            _result, queries, seconds = measure(env, env.execute_query, definition)
            rows.append(
                ("the definition (what it summed)", size, queries, seconds * 1000)
            )
        assert not Partner._credit_ledger_drift()
        # The triggers' cost at posting: their own time as PostgreSQL
        # counts it (pg_stat_user_functions; a posting's time swings by
        # more than they take), per invoice of 10 lines posted.
        customer = Partner.create({"name": "Bench Posting Customer"})
        moves = env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "invoice_line_ids": [
                        Command.create({"product_id": product.id, "price_unit": 10.0})
                        for _line in range(10)
                    ],
                }
                for _i in range(POSTINGS)
            ]
        )
        env.cr.commit()
        env.cr.execute("SET track_functions = 'pl'")
        before = _ledger_function_stats(env)
        seconds = _post_as_requests(env, moves)
        after = _ledger_function_stats(env)
        env.cr.execute("SET track_functions = 'none'")
        calls = sum(after[name][0] - before.get(name, (0, 0.0))[0] for name in after)
        spent = sum(after[name][1] - before.get(name, (0, 0.0))[1] for name in after)
        rows.append(("post an invoice of 10 lines", "-", "-", seconds * 1000))
        rows.append(
            (
                f"the ledger's triggers in it ({calls / POSTINGS:.0f} calls)",
                "-",
                "-",
                spent / POSTINGS,
            )
        )
        assert not Partner._credit_ledger_drift()
    report(
        "Credit check vs the customer's open receivable lines (exposure read "
        "from credit_exposure_ledger); the ledger's triggers at posting",
        rows,
        ["what", "open receivable lines", "queries", "ms"],
    )
    print(f"load average at end: {load_average()}")


REWRITE_LINES = 100_000
REWRITES = (
    ("a column the controls do not read", SQL("write_date = write_date")),
    ("a column they read, values unchanged", SQL("date_maturity = date_maturity")),
    (
        "a column they read, every due date a day later",
        SQL("date_maturity = date_maturity + 1"),
    ),
)


def _rewrite_seconds(env, assignment, batch, triggers):
    """Seconds to rewrite every journal item with ``assignment`` (SQL), in
    statements of ``batch`` rows (as Odoo's flush writes them) or in one,
    with the tables' own triggers (the exposure ledger's and the budget
    totals') or with them disabled; rolled back."""
    cr = env.cr
    if not triggers:
        cr.execute("ALTER TABLE account_move_line DISABLE TRIGGER USER")
    cr.execute("SELECT min(id), max(id) FROM account_move_line")
    low, high = cr.fetchone()
    start = time.perf_counter()
    for first in range(low, high + 1, batch):
        cr.execute(
            SQL(
                "UPDATE account_move_line SET %s WHERE id >= %s AND id < %s",
                assignment,
                first,
                first + batch,
            )
        )
    seconds = time.perf_counter() - start
    cr.rollback()
    return seconds


def bench_bulk_rewrite():
    """What the statement-level triggers on journal items (the exposure
    ledger's and the budget totals') cost a rewrite of every journal item,
    as a module update recomputing a stored field or a data migration does:
    100,000 open receivable lines of one customer, in statements of 1,000
    rows (Odoo's flush) and in one statement, with the triggers and with
    them disabled (median of 3 interleaved runs, each rolled back)."""
    print(f"\nload average at start: {load_average()}")
    rows = []
    with copy_env(os.environ["IC_BENCH_DB"], "rewrite") as env:
        partner = env["res.partner"].create({"name": "Bench Rewrite Customer"})
        _open_receivables(env, partner, REWRITE_LINES)
        env.cr.commit()
        vacuum_analyze(env, ("account_move_line", "credit_exposure_ledger"))
        # First a statement of one row, as a session of a server writes
        # before a large one: the triggers' plans are kept from their first
        # call (a join of the transition tables planned for one row made
        # the rewrite quadratic, see control_tools.transition_rows_sql).
        env.cr.execute(
            SQL(
                "UPDATE account_move_line SET write_date = write_date "
                "WHERE id = (SELECT min(id) FROM account_move_line)"
            )
        )
        env.cr.rollback()
        for label, assignment in REWRITES:
            for batch in (1000, 10 * REWRITE_LINES):
                times = {True: [], False: []}
                for run in range(3):
                    for triggers in (True, False) if run % 2 else (False, True):
                        times[triggers].append(
                            _rewrite_seconds(env, assignment, batch, triggers)
                        )
                with_, without = median(times[True]), median(times[False])
                rows.append(
                    (
                        label,
                        "1,000" if batch == 1000 else "all",
                        without,
                        with_,
                        f"{with_ / without:.2f}",
                    )
                )
        assert not env["res.partner"]._credit_ledger_drift()
    report(
        f"Rewriting {REWRITE_LINES:,} journal items, with and without the "
        "statement-level triggers of the exposure ledger and the budget "
        "totals (seconds)",
        rows,
        ("statement", "rows a statement", "triggers off", "triggers on", "ratio"),
    )
    print(f"load average at end: {load_average()}")


# The phases of PostgreSQL a sample of the backend's stack falls in (the
# innermost of these functions on the stack).
PG_PHASES = (
    ("raw_parser", "parse"),
    ("pg_parse_query", "parse"),
    ("parse_analyze_fixedparams", "analyze"),
    ("pg_analyze_and_rewrite_fixedparams", "analyze"),
    ("standard_planner", "plan"),
    ("GetCachedPlan", "plan (PL/pgSQL, cached)"),
    ("ExecCallTriggerFunc", "triggers"),
    ("AfterTriggerEndQuery", "triggers"),
    ("ExecInsertIndexTuples", "index writes"),
    ("standard_ExecutorStart", "executor start"),
    ("standard_ExecutorRun", "execution"),
    ("standard_ExecutorEnd", "executor end"),
    ("CommitTransaction", "commit"),
)
PROFILE_ROUNDS = 16
PROFILE_HZ = 4000


def _backend_phases(perf_data, pids):
    """``{pid: Counter(phase: samples)}`` of ``perf_data`` for ``pids``."""
    script = subprocess.run(
        ["perf", "script", "-i", perf_data, "-F", "pid,ip,sym"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    phases = dict(PG_PHASES)
    counts = {pid: Counter() for pid in pids}
    for sample in script.split("\n\n"):
        lines = sample.strip().splitlines()
        if not lines or not lines[0].strip().isdigit():
            continue
        pid = int(lines[0])
        if pid not in counts:
            continue
        frames = [line.split()[1] for line in lines[1:] if len(line.split()) > 1]
        phase = next((phases[f] for f in frames if f in phases), "other")
        counts[pid][phase] += 1
    return counts


def bench_backend_profile():
    """What the addons cost PostgreSQL itself at a sale confirmation: the
    two databases' backends sampled by ``perf record`` (Linux's perf, run
    by root or with perf_event_paranoid <= 1) while orders of distinct
    customers are confirmed in interleaved rounds, the samples sorted by the
    phase of PostgreSQL they fall in; less noisy than the wall-clock ratio.
    Skipped without perf."""
    if not shutil.which("perf"):
        print("\nbench_backend_profile: perf is not installed, skipped")
        return
    print(f"\nload average at start: {load_average()}")
    with (
        copy_env(os.environ["IC_BENCH_PLAIN_DB"], "profile") as plain_env,
        copy_env(os.environ["IC_BENCH_DB"], "profile") as addons_env,
        tempfile.TemporaryDirectory() as tmp,
    ):
        sides = {
            "plain": _Side(plain_env, plain=True, shared=False, rounds=PROFILE_ROUNDS),
            "addons": _Side(
                addons_env, plain=False, shared=False, rounds=PROFILE_ROUNDS
            ),
        }
        pids = {
            name: side.env.cr._cnx.get_backend_pid() for name, side in sides.items()
        }
        perf_data = os.path.join(tmp, "perf.data")
        perf = subprocess.Popen(
            ["perf", "record", "-q", "-g", "-e", "cpu-clock"]
            + ["-F", str(PROFILE_HZ), "-o", perf_data]
            + ["-p", ",".join(str(pid) for pid in pids.values())],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)
        interleaved({name: side.sample for name, side in sides.items()}, PROFILE_ROUNDS)
        perf.send_signal(signal.SIGINT)
        perf.wait()
        if not os.path.exists(perf_data):
            # perf could not attach (perf_event_paranoid, no root)
            print("bench_backend_profile: perf recorded nothing, skipped")
            return
        counts = _backend_phases(perf_data, pids.values())
    confirmed = PROFILE_ROUNDS * SAMPLE
    plain, addons = counts[pids["plain"]], counts[pids["addons"]]

    def ms(samples):
        return samples / PROFILE_HZ / confirmed * 1000

    rows = [
        (phase, ms(plain[phase]), ms(addons[phase]), ms(addons[phase] - plain[phase]))
        for phase in sorted(
            set(plain) | set(addons), key=lambda p: plain[p] - addons[p]
        )
    ]
    total_plain, total_addons = sum(plain.values()), sum(addons.values())
    rows.append(
        ("all", ms(total_plain), ms(total_addons), ms(total_addons - total_plain))
    )
    report(
        "PostgreSQL's CPU per sale confirmation, by phase (perf samples of "
        f"the two backends, {confirmed} confirmations a side, distinct "
        "customers; ms)",
        rows,
        ("phase", "plain", "addons", "extra"),
    )
    print(f"load average at end: {load_average()}")


BENCHES = (
    bench_credit_check,
    bench_confirmations,
    bench_exposure_scaling,
    bench_bulk_rewrite,
    bench_backend_profile,
)

if __name__ == "__main__":
    # Arguments name the benches to run (default: all), e.g. bench_confirmations.
    init_odoo()
    for bench in BENCHES:
        if not sys.argv[1:] or bench.__name__ in sys.argv[1:]:
            bench()
