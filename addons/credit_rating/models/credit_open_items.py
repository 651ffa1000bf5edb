"""One definition of a customer's open and overdue receivables.

The credit exposure, the aging report and the dunning read their receivables
through :func:`open_items_query`: every posted, unreconciled receivable line
of a customer, where the customer's unreconciled credits (credit notes,
payments and other negative residuals not matched to an invoice yet) are
applied to its oldest debits first (by due date). ``open_amount`` is what
stays open on each debit line after those credits, so that:

- open receivables = the sum of ``open_amount`` = the sum of the residuals;
- overdue receivables = the sum of ``open_amount`` of the lines due before
  the day, never more than the open receivables.

Credits beyond every debit of the customer come out as one extra row per
customer and company (no line, no due date, a negative ``open_amount``), so
the rows always add up to the customer's balance.

Since the credits pay the oldest debits first, the overdue debits are paid
before any debit not yet due: a customer's overdue amount is its overdue
debits minus its credits, never below zero. :func:`open_totals_query` gives
the two totals in that form, without ordering the items (for the credit
check, which only needs the totals), and :func:`open_age_totals_query` the
open amounts of each aging bucket the same way (for the dashboard); the tests
check that the forms agree.
"""

from odoo.addons.sales_internal_control.models.control_tools import open_lines_sql
from odoo.tools import SQL

# The aging buckets, youngest first; a due date's bucket is age_rank_sql().
AGE_KEYS = ("not_due", "1_30", "31_60", "61_90", "90_plus")


def age_rank_sql(due, today):
    """SQL of the index in AGE_KEYS of the aging bucket of the due date
    ``due`` (SQL) as of ``today`` (SQL or a date): 0 when not due (or no due
    date), then 1-30, 31-60, 61-90 and over 90 days past due."""
    return SQL(
        """CASE WHEN %(due)s IS NULL OR %(due)s >= %(today)s THEN 0
                WHEN %(today)s - %(due)s <= 30 THEN 1
                WHEN %(today)s - %(due)s <= 60 THEN 2
                WHEN %(today)s - %(due)s <= 90 THEN 3
                ELSE 4 END""",
        due=due,
        today=today,
    )


def age_key_sql(rank):
    """SQL of the AGE_KEYS key of an age_rank_sql() index (SQL)."""
    return SQL("(%s::varchar[])[%s + 1]", list(AGE_KEYS), rank)


def open_order_lines_sql(where, lines=None):
    """SQL of the sale order lines ``sol`` counted in the exposure's orders
    bucket, matching ``where`` (SQL), to follow a ``FROM``: confirmed, with
    a part not invoiced yet (``credit_open_amount``, company currency); the
    predicate of the covering index sale_order_line_credit_open_index.
    ``lines``: SQL of the relation to read (``sale_order_line`` when None;
    a trigger's transition table for the exposure ledger)."""
    return SQL(
        """
        %s sol
       WHERE sol.state = 'sale'
         AND sol.credit_open_amount != 0
         AND sol.order_partner_id IS NOT NULL
         AND %s
        """,
        lines or SQL("sale_order_line"),
        where,
    )


def draft_invoices_sql(where, moves=None):
    """SQL of the draft customer invoices ``m`` counted in the exposure's
    draft bucket (``amount_total_signed``, company currency), matching
    ``where`` (SQL), to follow a ``FROM``; ``moves`` as ``lines`` of
    :func:`open_order_lines_sql` (``account_move`` when None)."""
    return SQL(
        """
        %s m
       WHERE m.state = 'draft'
         AND m.move_type = 'out_invoice'
         AND m.commercial_partner_id IS NOT NULL
         AND %s
        """,
        moves or SQL("account_move"),
        where,
    )


def open_items_query(where):
    """SQL of the open receivable items of the lines matching ``where``.

    :param where: an :class:`~odoo.tools.SQL` condition on ``l``
        (``account_move_line``), e.g. the company and the customers
    :return: SQL selecting ``id`` (the line, or for the excess credit row the
        customer's latest credit line), ``line_id`` (NULL for the excess
        credit row), ``move_id``, ``partner_id``, ``company_id``, ``date``,
        ``date_maturity``, ``residual`` and ``open_amount``; credit lines
        themselves are not returned (their amount is in the debits' and the
        excess row's ``open_amount``)
    """
    return SQL(
        """
        WITH items AS (
            SELECT l.id AS line_id, l.move_id, l.partner_id, l.company_id,
                   l.date, COALESCE(l.date_maturity, l.date) AS date_maturity,
                   l.amount_residual AS residual
              FROM %(lines)s
        ), balances AS (
            SELECT company_id, partner_id,
                   -SUM(LEAST(residual, 0)) AS credit,
                   SUM(GREATEST(residual, 0)) AS debit,
                   MAX(line_id) FILTER (WHERE residual < 0) AS credit_line_id
              FROM items
          GROUP BY company_id, partner_id
        ), debits AS (
            SELECT i.*, b.credit,
                   SUM(i.residual) OVER (
                       PARTITION BY i.company_id, i.partner_id
                       ORDER BY i.date_maturity, i.line_id
                       ROWS UNBOUNDED PRECEDING
                   ) AS running
              FROM items i
              JOIN balances b
                ON b.company_id = i.company_id AND b.partner_id = i.partner_id
             WHERE i.residual > 0
        )
        SELECT line_id AS id, line_id, move_id, partner_id, company_id, date,
               date_maturity, residual,
               GREATEST(0, LEAST(residual, running - credit)) AS open_amount
          FROM debits
         UNION ALL
        SELECT credit_line_id, NULL, NULL, partner_id, company_id, NULL, NULL,
               debit - credit, debit - credit
          FROM balances
         WHERE credit > debit
        """,
        lines=open_lines_sql(where),
    )


def open_totals_query(where, today):
    """SQL of the open and overdue totals per customer and company, the sums
    of :func:`open_items_query`'s ``open_amount`` (all items, and the items
    due before ``today``), in one grouped pass over the lines.

    :return: SQL selecting ``partner_id``, ``company_id``, ``open_amount``,
        ``overdue_amount``
    """
    return SQL(
        """
        SELECT l.partner_id, l.company_id,
               SUM(l.amount_residual) AS open_amount,
               GREATEST(
                   COALESCE(SUM(l.amount_residual) FILTER (
                       WHERE l.amount_residual > 0
                         AND COALESCE(l.date_maturity, l.date) < %(today)s), 0)
                   + COALESCE(SUM(l.amount_residual) FILTER (
                       WHERE l.amount_residual < 0), 0),
                   0
               ) AS overdue_amount
          FROM %(lines)s
      GROUP BY l.partner_id, l.company_id
        """,
        lines=open_lines_sql(where),
        today=today,
    )


def open_age_totals_query(where, today):
    """SQL of the open amounts per customer, company and aging bucket as of
    ``today`` (SQL, e.g. ``CURRENT_DATE`` as the aging report, or a date):
    the sums of :func:`open_items_query`'s ``open_amount`` by bucket, in one
    grouped pass over the lines and a window over the customers' buckets.

    The buckets are ranges of due dates, so paying the oldest debits first
    pays the oldest buckets first: a bucket keeps what its debits exceed the
    credits left after the older buckets. Credits beyond every debit are in
    ``not_due`` (as the items' excess credit row, which has no due date).

    :return: SQL selecting ``partner_id``, ``company_id``, ``age`` (an
        AGE_KEYS key), ``open_amount``
    """
    rank = age_rank_sql(SQL("COALESCE(l.date_maturity, l.date)"), today)
    return SQL(
        """
        WITH buckets AS (
            SELECT l.partner_id, l.company_id,
                   CASE WHEN l.amount_residual < 0 THEN 0 ELSE %(rank)s END
                       AS rank,
                   SUM(GREATEST(l.amount_residual, 0)) AS debit,
                   -SUM(LEAST(l.amount_residual, 0)) AS credit
              FROM %(lines)s
          GROUP BY 1, 2, 3
        ), running AS (
            SELECT b.*,
                   SUM(b.credit) OVER customer AS credit_total,
                   SUM(b.debit) OVER customer AS debit_total,
                   SUM(b.debit) OVER (
                       customer ORDER BY b.rank DESC ROWS UNBOUNDED PRECEDING
                   ) AS running
              FROM buckets b
            WINDOW customer AS (PARTITION BY b.partner_id, b.company_id)
        )
        SELECT partner_id, company_id, %(age)s AS age,
               GREATEST(0, LEAST(debit, running - credit_total))
               + CASE WHEN rank = 0 AND credit_total > debit_total
                      THEN debit_total - credit_total ELSE 0 END AS open_amount
          FROM running
        """,
        rank=rank,
        age=age_key_sql(SQL("rank")),
        lines=open_lines_sql(where),
    )
