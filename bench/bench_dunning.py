"""Benchmark of the dunning (credit_rating, issue 12).

A run over CUSTOMERS customers holding INVOICES open customer invoices
(posted, due 0 to 119 days ago, so every level is reached), then a second
run on the same day (which sends nothing), and the queries of one batch of
100 and of 500 customers (they must not grow with the customers or their
invoices). The customers and invoices are copied in SQL from one customer
and one posted invoice made with the ORM (creating 100,000 invoices through
the ORM would take hours); the run itself is the real one, mails included
(rendered in the customer's language and queued as ``mail.mail``).

The daily run is measured three times on the same data (a savepoint rolled
back between them): the customer statement PDF switched off on the levels,
on and rendered in the run (one wkhtmltopdf run per batch of customers,
cut per customer), and on and left to the mail queue (the cron's way: the
run marks the mails, the queue renders a queue batch's statements in one
wkhtmltopdf run before they leave; its figure is measured apart, without
the SMTP part).

wkhtmltopdf fetches the report's CSS from Odoo's URL (report.url, else
web.base.url): the bench starts a real Odoo server on the bench database
on a free port (as tests/conftest.py does) and points report.url at it
inside the rolled-back transaction, so that the PDFs are rendered as in
production. BENCH_DUNNING_SERVER=0 skips the server (wkhtmltopdf then
renders without the stylesheets).

Everything runs in one transaction that is rolled back.
"""

import contextlib
import os
import resource
import time
from datetime import date, timedelta

from common import bench_env, init_odoo, odoo_server, report

from odoo import Command
from odoo.tools import SQL, split_every

CUSTOMERS = int(os.environ.get("BENCH_DUNNING_CUSTOMERS", 10000))
INVOICES = int(os.environ.get("BENCH_DUNNING_INVOICES", 100000))
BACKLOG_CUSTOMERS = int(os.environ.get("BENCH_DUNNING_BACKLOG", 1000))
STATEMENT_CUSTOMERS = int(os.environ.get("BENCH_DUNNING_STATEMENT", 200))
SERVER = os.environ.get("BENCH_DUNNING_SERVER", "1") != "0"


@contextlib.contextmanager
def _asset_server():
    """A real Odoo server on the bench database (threaded, no cron) that
    serves the report's stylesheets to wkhtmltopdf; yields its URL (None
    with BENCH_DUNNING_SERVER=0)."""
    if not SERVER:
        yield None
        return
    with odoo_server(os.environ["IC_BENCH_DB"]) as (url, _log):
        print(f"asset server for wkhtmltopdf: {url}")
        yield url


def _report_url(env, url):
    """wkhtmltopdf fetches the stylesheets from ``url`` (this transaction)."""
    if url:
        env["ir.config_parameter"].set_param("report.url", url)


def _statements(env, attach):
    """Attach the customer statement to the mails of every level, or not."""
    env["credit.dunning.level"].search([]).attach_statement = attach


def _columns(env, table):
    return [
        row[0]
        for row in env.execute_query(
            SQL(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = %s AND column_name != 'id'",
                table,
            )
        )
    ]


def _copy(env, table, source_id, count, overrides):
    """Insert ``count`` copies of row ``source_id`` of ``table`` (with
    ``generate_series`` as ``n``, 0-based), ``overrides`` giving SQL
    expressions of some columns; return the new ids in order."""
    columns = _columns(env, table)
    values = SQL(", ").join(
        overrides.get(column, SQL("t.%s", SQL.identifier(column))) for column in columns
    )
    return [
        row[0]
        for row in env.execute_query(
            SQL(
                "INSERT INTO %s (%s) SELECT %s FROM %s t, "
                "generate_series(0, %s) n WHERE t.id = %s ORDER BY n RETURNING id",
                SQL.identifier(table),
                SQL(", ").join(SQL.identifier(c) for c in columns),
                values,
                SQL.identifier(table),
                count - 1,
                source_id,
            )
        )
    ]


def _data(env, customers, invoices, spread=120):
    """``customers`` customers and ``invoices`` open invoices (SQL copies),
    invoice n of customer n % customers, due (n % spread) days ago."""
    product = env["product.product"].create(
        {"name": "Bench Dunning", "list_price": 10.0, "taxes_id": [Command.clear()]}
    )
    partner = env["res.partner"].create(
        {"name": "Bench Dunning Customer", "email": "bench@example.com"}
    )
    today = date.today()
    invoice = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": today - timedelta(days=120),
            "invoice_date_due": today - timedelta(days=1),
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
    env.flush_all()
    receivable = invoice.line_ids.filtered(
        lambda line: line.account_id.account_type == "asset_receivable"
    )
    partner_ids = _copy(
        env,
        "res_partner",
        partner.id,
        customers,
        {
            "name": SQL("'Bench Dunning ' || n"),
            "email": SQL("'bench' || n || '@example.com'"),
        },
    )
    env.cr.execute(
        SQL(
            "UPDATE res_partner SET commercial_partner_id = id WHERE id IN %s",
            tuple(partner_ids),
        )
    )
    first = partner_ids[0]
    partner_expr = SQL("%s + mod(n, %s)", first, customers)
    due_expr = SQL("%s::date - mod(n, %s)::integer", today, spread)
    move_ids = _copy(
        env,
        "account_move",
        invoice.id,
        invoices,
        {
            "name": SQL("'BENCH/' || n"),
            "partner_id": partner_expr,
            "commercial_partner_id": partner_expr,
            "invoice_date_due": due_expr,
        },
    )
    first_move = move_ids[0]
    _copy(
        env,
        "account_move_line",
        receivable.id,
        invoices,
        {
            "move_id": SQL("%s + n", first_move),
            "partner_id": partner_expr,
            "date_maturity": due_expr,
        },
    )
    env.cr.execute("ANALYZE account_move_line")
    env.cr.execute("ANALYZE account_move")
    env.cr.execute("ANALYZE res_partner")
    env.invalidate_all()
    return env["res.partner"].browse(partner_ids)


def _set_yesterday(env, partners):
    """The state the dunning left yesterday, set in SQL: each open invoice at
    the level it had reached, each customer at its highest level, and on hold
    (by the dunning) when it reached a credit-hold level."""
    company = env.company
    env.flush_all()
    env.cr.execute(
        SQL(
            """
            UPDATE account_move m
               SET dunning_level_id = (
                       SELECT l.id FROM credit_dunning_level l
                        WHERE l.company_id = %(company)s AND l.active
                          AND l.days_overdue <= %(yesterday)s::date
                              - m.invoice_date_due
                     ORDER BY l.days_overdue DESC LIMIT 1),
                   dunning_date = %(yesterday)s
             WHERE m.commercial_partner_id IN %(partners)s
               AND m.move_type = 'out_invoice'
            """,
            company=company.id,
            yesterday=date.today() - timedelta(days=1),
            partners=tuple(partners.ids),
        )
    )
    env.cr.execute(
        SQL(
            """
            WITH top AS (
                SELECT DISTINCT ON (m.commercial_partner_id)
                       m.commercial_partner_id AS partner_id, l.id, l.credit_hold
                  FROM account_move m
                  JOIN credit_dunning_level l ON l.id = m.dunning_level_id
                 WHERE m.commercial_partner_id IN %(partners)s
              ORDER BY m.commercial_partner_id, l.days_overdue DESC
            )
            UPDATE res_partner p
               SET dunning_level_id = jsonb_build_object(%(key)s, top.id),
                   credit_hold = jsonb_build_object(%(key)s, top.credit_hold),
                   credit_hold_dunning = jsonb_build_object(%(key)s, top.credit_hold)
              FROM top
             WHERE p.id = top.partner_id
            """,
            partners=tuple(partners.ids),
            key=str(company.id),
        )
    )
    env.invalidate_all()


def _run(env, partners, defer=False):
    env.flush_all()
    env.invalidate_all()
    before = env.cr.sql_log_count
    start = time.perf_counter()
    summary = env["res.partner"]._dunning_run(
        env.company, partners, defer_statements=defer
    )
    env.flush_all()
    return summary, env.cr.sql_log_count - before, time.perf_counter() - start


def _queue(env, mail_ids):
    """What the mail queue does before the mails leave: the pending
    statements, by queue batches (mail.mail.queue.batch.size, 1,000)."""
    env.flush_all()
    env.invalidate_all()
    before = env.cr.sql_log_count
    start = time.perf_counter()
    attached = 0
    for batch in split_every(1000, mail_ids):
        attached += env["mail.mail"].browse(batch)._credit_dunning_attach_statements()
    env.flush_all()
    return attached, env.cr.sql_log_count - before, time.perf_counter() - start


def _statements_attached(env, mail_ids):
    """Mails carrying their own dunning's statement (and no other)."""
    mails = env["mail.mail"].browse(mail_ids)
    own = 0
    for mail in mails:
        attachments = mail.attachment_ids
        if (
            len(attachments) == 1
            and attachments.res_model == "credit.dunning"
            and attachments.res_id == mail.res_id
            and attachments.raw[:5] == b"%PDF-"
        ):
            own += 1
    return own


def _rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_dunning():
    with _asset_server() as url:
        _bench(url)


def _bench(url):
    # After init_odoo(): the addons path is known only then.
    from odoo.addons.credit_rating.models.res_partner_dunning import (  # noqa: PLC0415
        DUNNING_BATCH_SIZE,
    )

    headers = (
        "run",
        "customers",
        "open invoices",
        "sent",
        "invoices raised",
        "holds",
        "queries",
        "queries/batch",
        "seconds",
    )
    rows = []
    # 1. The first run over a backlog: every customer is late, every one
    #    gets a mail (a reminder up to a credit hold).
    with bench_env() as env:
        env = env(context={"tracking_disable": True})
        _statements(env, False)
        partners = _data(env, BACKLOG_CUSTOMERS, BACKLOG_CUSTOMERS * 10)
        batches = -(-len(partners) // DUNNING_BATCH_SIZE)
        summary, queries, seconds = _run(env, partners)
        rows.append(
            _row(
                "backlog, first run (no statement)",
                BACKLOG_CUSTOMERS * 10,
                summary,
                queries,
                batches,
                seconds,
            )
        )
    # 2. A daily run at full size: due dates spread over a year, the levels
    #    as the dunning left them yesterday; without the statements, with
    #    them rendered in the run, with them left to the mail queue (each on
    #    the same data: a savepoint rolled back); then the same day again.
    notes = []
    with bench_env() as env:
        env = env(context={"tracking_disable": True})
        _report_url(env, url)
        start = time.perf_counter()
        partners = _data(env, CUSTOMERS, INVOICES, spread=365)
        _set_yesterday(env, partners)
        print(
            f"data: {CUSTOMERS} customers, {INVOICES} open invoices "
            f"(SQL copies, {time.perf_counter() - start:.1f} s)"
        )
        batches = -(-len(partners) // DUNNING_BATCH_SIZE)
        env.flush_all()
        for variant in ("off", "in the run", "to the mail queue"):
            env.cr.execute("SAVEPOINT bench_daily")
            _statements(env, variant != "off")
            env.flush_all()
            last_mail = env["mail.mail"].search([], order="id desc", limit=1).id or 0
            summary, queries, seconds = _run(
                env, partners, defer=variant == "to the mail queue"
            )
            mail_ids = env["mail.mail"].search([("id", ">", last_mail)], order="id").ids
            rows.append(
                _row(
                    f"daily run, statements {variant}",
                    INVOICES,
                    summary,
                    queries,
                    batches,
                    seconds,
                )
            )
            if variant == "to the mail queue":
                attached, q_queries, q_seconds = _queue(env, mail_ids)
                notes.append(
                    f"mail queue, before sending: {attached} statements attached "
                    f"in {q_seconds:.1f} s, {q_queries} queries "
                    f"({q_seconds / max(attached, 1) * 1000:.0f} ms a statement)"
                )
            if variant != "off":
                notes.append(
                    f"statements {variant}: {_statements_attached(env, mail_ids)} "
                    f"of {len(mail_ids)} mails carry their own customer's PDF; "
                    f"peak memory so far {_rss():.0f} MB"
                )
            else:
                notes.append(
                    f"mail.mail queued by the daily run: {len(mail_ids)}; "
                    f"peak memory so far {_rss():.0f} MB"
                )
                summary, queries, seconds = _run(env, partners)
                rows.append(
                    _row("same day again", INVOICES, summary, queries, batches, seconds)
                )
                summary, queries, seconds = _run(env, None)
                rows.append(
                    _row(
                        "same day, all candidates",
                        INVOICES,
                        summary,
                        queries,
                        batches,
                        seconds,
                    )
                )
            env.cr.execute("ROLLBACK TO SAVEPOINT bench_daily")
            env.invalidate_all()
    report(f"Dunning runs (batches of {DUNNING_BATCH_SIZE} customers)", rows, headers)
    for note in notes:
        print(note)
    # 3. Queries of one batch of 500 customers: 10 or 30 invoices each,
    #    with the statements rendered in the run.
    rows = []
    for per_customer in (10, 30):
        for attach in (False, True):
            with bench_env() as env:
                env = env(context={"tracking_disable": True})
                _report_url(env, url)
                _statements(env, attach)
                partners = _data(env, 500, 500 * per_customer)
                summary, queries, seconds = _run(env, partners)
                rows.append(
                    (
                        500,
                        500 * per_customer,
                        "in the run" if attach else "off",
                        summary["sent"],
                        queries,
                        seconds,
                    )
                )
    report(
        "One batch of 500 customers, every one dunned",
        rows,
        ("customers", "open invoices", "statements", "sent", "queries", "seconds"),
    )
    # 4. The customer statement's cost: a backlog with and without it.
    rows = []
    figures = {}
    for attach in (False, True):
        with bench_env() as env:
            env = env(context={"tracking_disable": True})
            _report_url(env, url)
            _statements(env, attach)
            partners = _data(env, STATEMENT_CUSTOMERS, STATEMENT_CUSTOMERS * 10)
            last_mail = env["mail.mail"].search([], order="id desc", limit=1).id or 0
            summary, queries, seconds = _run(env, partners)
            mail_ids = env["mail.mail"].search([("id", ">", last_mail)]).ids
            figures[attach] = (summary["sent"], queries, seconds)
            rows.append(
                (
                    "with statement PDF" if attach else "without statement",
                    STATEMENT_CUSTOMERS,
                    summary["sent"],
                    _statements_attached(env, mail_ids),
                    queries,
                    seconds,
                )
            )
    report(
        "Customer statement attached to the dunning mails (backlog, rendered "
        "in the run)",
        rows,
        ("run", "customers", "sent", "statements", "queries", "seconds"),
    )
    sent, queries, seconds = figures[True]
    if sent:
        print(
            "statement per mail: "
            f"{(queries - figures[False][1]) / sent:.2f} queries, "
            f"{(seconds - figures[False][2]) / sent * 1000:.0f} ms"
        )
    print(f"peak memory: {_rss():.0f} MB")


def _row(name, invoices, summary, queries, batches, seconds):
    return (
        name,
        summary["customers"],
        invoices,
        summary["sent"],
        summary["invoices"],
        summary["holds"],
        queries,
        round(queries / batches, 1),
        seconds,
    )


if __name__ == "__main__":
    init_odoo()
    bench_dunning()
