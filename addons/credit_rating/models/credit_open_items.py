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
check, which only needs the totals); the tests check that both forms agree.
"""

from odoo.tools import SQL


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
              FROM account_move_line l
              JOIN account_account a ON a.id = l.account_id
             WHERE l.parent_state = 'posted'
               AND a.account_type = 'asset_receivable'
               AND l.reconciled IS NOT TRUE
               AND l.amount_residual != 0
               AND l.partner_id IS NOT NULL
               AND %(where)s
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
        where=where,
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
          FROM account_move_line l
          JOIN account_account a ON a.id = l.account_id
         WHERE l.parent_state = 'posted'
           AND a.account_type = 'asset_receivable'
           AND l.reconciled IS NOT TRUE
           AND l.amount_residual != 0
           AND l.partner_id IS NOT NULL
           AND %(where)s
      GROUP BY l.partner_id, l.company_id
        """,
        where=where,
        today=today,
    )
