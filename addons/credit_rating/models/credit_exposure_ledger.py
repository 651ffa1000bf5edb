"""The exposure ledger: every customer's exposure buckets kept by the
database, so that the credit check reads a few rows per customer instead of
summing the customer's open items at every confirmation.

``credit_exposure_ledger`` holds rows of amounts (company currency) keyed by
partner and company: ``debit`` and ``credit`` (the open receivable items'
positive and negative residuals, the debits by due date), ``ordered`` (the
confirmed order lines not invoiced yet) and ``draft`` (draft customer
invoices). A partner's figure is the sum of its rows, whatever their number;
the definition of what counts is the one of the exposure
(:mod:`.credit_open_items`: ``open_lines_sql``, ``open_order_lines_sql``,
``draft_invoices_sql``), read by the triggers on the rows they change.

Rows are only ever added, never updated, by the statements that change
what counts:

- statement-level triggers on ``account_move_line``, ``sale_order_line``
  and ``account_move`` measure the rows the statement inserted, deleted or
  updated with the definition, before and after, and insert the
  difference, one row per partner, company and due date (the rows an
  update did not move cancel out: the amounts are numeric);
- a change of an account's type (to or from receivable) measures the
  ledger again (:data:`REBUILD_FUNCTION`), as install and update do.

An insert conflicts with nothing, so unlike a stored total, two postings of
one customer at the same moment do not make one of them fail to serialize,
and the ledger is exact under PostgreSQL's snapshots: a transaction's rows
become visible exactly when its changes do, whatever its isolation level.

The rows of a partner are folded into one row per due date (the debits due
more than two days ago, overdue for every user's day, into one) by the
credit check once it read more than :data:`FOLD_ROWS` of them, and for every
customer by the daily cron (:meth:`ResPartner._cron_verify_exposure`), which
also compares the ledger with the definition and corrects a difference (a
writer with the triggers off), logged under *Credit exposure repaired*.

Orders are keyed by the order's partner (a contact) and counted for its
commercial partner when read: a contact moved to another company takes its
orders with it, as the definition reads them.
"""

from collections import defaultdict

from odoo import api, models
from odoo.addons.sales_internal_control.models.control_tools import (
    create_transition_triggers,
    replace_plpgsql_function,
    transition_rows_sql,
)
from odoo.tools import SQL, format_amount
from odoo.tools.translate import LazyTranslate

from .credit_open_items import (
    draft_invoices_sql,
    open_lines_sql,
    open_order_lines_sql,
)

_lt = LazyTranslate(__name__)

LEDGER_TABLE = "credit_exposure_ledger"
# One row per commercial partner that the credit check rewrites to lock the
# customer (res.partner._credit_locked_check_query): a narrow table with one
# index, where rewriting the partner's own row opened and locked every index
# of res_partner at each confirmation.
LOCK_TABLE = "credit_exposure_lock"
REBUILD_FUNCTION = "credit_exposure_rebuild"
FOLD_FUNCTION = "credit_exposure_fold"
# The trigger functions: (name, table, alias). Every row a statement wrote
# is measured before and after (transition_rows_sql without columns): the
# amounts are numeric, so the rows it did not move cancel out exactly.
LEDGER_TRIGGERS = (
    ("credit_exposure_ledger_lines", "account_move_line", "l"),
    ("credit_exposure_ledger_orders", "sale_order_line", "sol"),
    ("credit_exposure_ledger_drafts", "account_move", "m"),
)
ACCOUNT_FUNCTION = "credit_exposure_ledger_accounts"
# Every database function of the ledger (dropped, with their triggers, at an
# update and by the uninstall hook).
LEDGER_FUNCTIONS = (
    REBUILD_FUNCTION,
    FOLD_FUNCTION,
    ACCOUNT_FUNCTION,
    *(name for name, *_rest in LEDGER_TRIGGERS),
)
# A customer's rows are folded by its credit check beyond this number.
FOLD_ROWS = 64
AMOUNTS = ("debit", "credit", "ordered", "draft")


def fold_day_sql():
    """SQL of the first due date kept apart when rows are folded: debits due
    before it are overdue on every user's day (time zones are at most a day
    from UTC), so their dates no longer matter."""
    return SQL("((now() AT TIME ZONE 'UTC')::date - 2)")


def folded_due_sql(due):
    """SQL of the due date ``due`` (SQL) once folded."""
    return SQL(
        "CASE WHEN %(due)s < %(day)s THEN '-infinity'::date ELSE %(due)s END",
        due=due,
        day=fold_day_sql(),
    )


def contributions_sql(alias, relation, where=None):
    """SQL of what the rows of ``relation`` (SQL: a table or a trigger's
    transition table) of the table of ``alias`` add to the ledger, rows
    ``(partner_id, company_id, date_due, debit, credit, ordered, draft)``:
    the definition of the exposure read on those rows."""
    where = where or SQL("TRUE")
    if alias == "l":
        return SQL(
            """
            SELECT l.partner_id, l.company_id,
                   CASE WHEN l.amount_residual > 0
                        THEN COALESCE(l.date_maturity, l.date)
                        ELSE '-infinity'::date END,
                   GREATEST(l.amount_residual, 0), LEAST(l.amount_residual, 0),
                   0, 0
              FROM %s
            """,
            open_lines_sql(where, relation),
        )
    if alias == "sol":
        return SQL(
            """
            SELECT sol.order_partner_id, sol.company_id, '-infinity'::date,
                   0, 0, sol.credit_open_amount, 0
              FROM %s
            """,
            open_order_lines_sql(where, relation),
        )
    return SQL(
        """
        SELECT m.commercial_partner_id, m.company_id, '-infinity'::date,
               0, 0, 0, m.amount_total_signed
          FROM %s
        """,
        draft_invoices_sql(where, relation),
    )


def grouped_sql(rows, due=None):
    """SQL of ``rows`` (SQL of ledger-shaped rows) summed per partner,
    company and due date (``due``: SQL of the date to group by, the rows'
    own when None), the sums that are all zero left out."""
    due = due or SQL("x.date_due")
    return SQL(
        """
        SELECT x.partner_id, x.company_id, %(due)s AS date_due,
               SUM(x.debit) AS debit, SUM(x.credit) AS credit,
               SUM(x.ordered) AS ordered, SUM(x.draft) AS draft
          FROM (%(rows)s) x(partner_id, company_id, date_due, debit, credit,
                            ordered, draft)
      GROUP BY 1, 2, 3
        HAVING SUM(x.debit) <> 0 OR SUM(x.credit) <> 0
            OR SUM(x.ordered) <> 0 OR SUM(x.draft) <> 0
        """,
        due=due,
        rows=rows,
    )


def insert_sql(rows):
    """SQL inserting ``rows`` (ledger-shaped) into the ledger."""
    return SQL(
        "INSERT INTO %s (partner_id, company_id, date_due, debit, credit, "
        "ordered, draft) %s",
        SQL.identifier(LEDGER_TABLE),
        rows,
    )


def fold_sql(where):
    """SQL folding the ledger's rows ``t`` matching ``where`` (SQL): they
    are replaced by their sums per partner, company and folded due date.
    Only the rows the transaction sees are deleted, so a row that a
    concurrent transaction adds stays; two folds of the same rows conflict
    (the second fails to serialize and is run again)."""
    return SQL(
        """
        WITH gone AS (
            DELETE FROM %(table)s t
             WHERE %(where)s
         RETURNING t.partner_id, t.company_id, t.date_due,
                   t.debit, t.credit, t.ordered, t.draft
        )
        %(insert)s
        """,
        table=SQL.identifier(LEDGER_TABLE),
        where=where,
        insert=insert_sql(
            grouped_sql(SQL("SELECT * FROM gone"), folded_due_sql(SQL("x.date_due")))
        ),
    )


def measured_sql(company_where=None):
    """SQL of the whole ledger as the definition measures it now, rows
    grouped per partner, company and folded due date; ``company_where``:
    SQL of a condition on ``company_id`` (every company when None)."""
    where = company_where or SQL("TRUE")
    parts = SQL(" UNION ALL ").join(
        contributions_sql(
            alias,
            SQL.identifier(table),
            SQL(
                "%s.company_id IN (SELECT id FROM res_company WHERE %s)",
                SQL.identifier(alias),
                where,
            )
            if company_where
            else None,
        )
        for _name, table, alias in LEDGER_TRIGGERS
    )
    return grouped_sql(parts, folded_due_sql(SQL("x.date_due")))


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner"]

    def init(self):
        result = super().init()
        # After every model's columns (sale_order_line.credit_open_amount)
        # exist; their new values are then written with the triggers on.
        self.pool.post_init(self._credit_ledger_init)
        return result

    @api.model
    def _credit_ledger_init(self):
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                CREATE TABLE IF NOT EXISTS %(table)s (
                    id bigserial PRIMARY KEY,
                    partner_id integer NOT NULL,
                    company_id integer NOT NULL,
                    date_due date NOT NULL,
                    debit numeric NOT NULL DEFAULT 0,
                    credit numeric NOT NULL DEFAULT 0,
                    ordered numeric NOT NULL DEFAULT 0,
                    draft numeric NOT NULL DEFAULT 0
                );
                CREATE INDEX IF NOT EXISTS credit_exposure_ledger_partner_index
                    ON %(table)s (partner_id, company_id)
                """,
                table=SQL.identifier(LEDGER_TABLE),
            )
        )
        self._credit_ledger_functions()
        # The code that measures may have changed: measure it all again.
        cr.execute(SQL("SELECT %s(NULL)", SQL.identifier(REBUILD_FUNCTION)))

    @api.model
    def _credit_ledger_functions(self):
        cr = self.env.cr
        table = SQL.identifier(LEDGER_TABLE)
        replace_plpgsql_function(
            cr,
            REBUILD_FUNCTION,
            [("p_company_ids", "int[]")],
            "void",
            [
                SQL(
                    "DELETE FROM %s WHERE p_company_ids IS NULL "
                    "OR company_id = ANY(p_company_ids)",
                    table,
                ),
                insert_sql(
                    measured_sql(
                        SQL("p_company_ids IS NULL OR id = ANY(p_company_ids)")
                    )
                ),
            ],
        )
        replace_plpgsql_function(
            cr,
            FOLD_FUNCTION,
            [("p_partner_ids", "int[]"), ("p_company_id", "int")],
            "void",
            [
                fold_sql(
                    SQL(
                        "t.partner_id = ANY(p_partner_ids) "
                        "AND t.company_id = p_company_id"
                    )
                )
            ],
        )
        for name, table_name, alias in LEDGER_TRIGGERS:
            replace_plpgsql_function(
                cr,
                name,
                [],
                "trigger",
                [
                    SQL(
                        "IF TG_OP = 'INSERT' THEN %s; ELSIF TG_OP = 'DELETE' "
                        "THEN %s; ELSE %s; END IF",
                        *(
                            self._credit_ledger_apply(alias, op)
                            for op in ("INSERT", "DELETE", "UPDATE")
                        ),
                    ),
                    SQL("RETURN NULL"),
                ],
            )
            create_transition_triggers(cr, name, table_name)
        # An account that becomes receivable, or stops being one, changes
        # what counts of lines that did not change: measure it all again.
        replace_plpgsql_function(
            cr,
            ACCOUNT_FUNCTION,
            [],
            "trigger",
            [
                SQL("PERFORM %s(NULL)", SQL.identifier(REBUILD_FUNCTION)),
                SQL("RETURN NULL"),
            ],
        )
        cr.execute(
            SQL(
                """
                CREATE TRIGGER %(name)s
                 AFTER UPDATE OF account_type ON account_account
                   FOR EACH ROW
                  WHEN (OLD.account_type IS DISTINCT FROM NEW.account_type
                        AND 'asset_receivable' IN (OLD.account_type,
                                                   NEW.account_type))
                       EXECUTE FUNCTION %(name)s()
                """,
                name=SQL.identifier(ACCOUNT_FUNCTION),
            )
        )

    @api.model
    def _credit_ledger_apply(self, alias, op):
        """The statement that inserts into the ledger what the rows of one
        statement of ``op`` (their transition tables ``new_rows`` and
        ``old_rows``) moved: the definition over the rows after, minus over
        the rows before (the sums that are all zero left out)."""
        after, before = transition_rows_sql(op)
        parts = [
            contributions_sql(alias, SQL("(%s)", after)),
            SQL(
                "SELECT b.partner_id, b.company_id, b.date_due, -b.debit, "
                "-b.credit, -b.ordered, -b.draft FROM (%s) b(partner_id, "
                "company_id, date_due, debit, credit, ordered, draft)",
                contributions_sql(alias, SQL("(%s)", before)),
            ),
        ]
        return insert_sql(grouped_sql(SQL(" UNION ALL ").join(parts)))

    # ----------------------------------------------------------------- read
    @api.model
    def _credit_ledger_query(self, company_id, ids, today):
        """SQL of the exposure buckets of the commercial partners ``ids``
        (SQL: a tuple or a sub-select) in the company ``company_id`` (SQL)
        as of ``today`` (SQL; not before the fold day, see
        :func:`fold_day_sql`), read from the ledger: rows ``(bucket,
        partner_id, amount, overdue)`` as :meth:`_credit_exposure_query`'s,
        in one pass over the customers' rows, and a ``rows`` bucket: the
        number of ledger rows read (see :meth:`_credit_ledger_fold`)."""
        return SQL(
            """
            SELECT v.bucket, v.partner_id, v.amount, v.overdue
              FROM (
                SELECT c.commercial_partner_id AS partner_id,
                       SUM(t.debit + t.credit)
                           FILTER (WHERE t.partner_id = c.commercial_partner_id)
                           AS receivable,
                       GREATEST(
                           COALESCE(SUM(t.debit) FILTER (
                               WHERE t.partner_id = c.commercial_partner_id
                                 AND t.date_due < %(today)s), 0)
                           + COALESCE(SUM(t.credit) FILTER (
                               WHERE t.partner_id = c.commercial_partner_id), 0),
                           0) AS overdue,
                       SUM(t.ordered) AS ordered,
                       SUM(t.draft)
                           FILTER (WHERE t.partner_id = c.commercial_partner_id)
                           AS draft,
                       count(*) AS ledger_rows
                  FROM res_partner c
                  JOIN %(table)s t
                    ON t.partner_id = c.id AND t.company_id = %(company)s
                 WHERE c.commercial_partner_id IN %(ids)s
              GROUP BY c.commercial_partner_id
              ) g
        CROSS JOIN LATERAL (
                VALUES ('receivable', g.partner_id, g.receivable, g.overdue),
                       ('order', g.partner_id, g.ordered, 0),
                       ('draft', g.partner_id, g.draft, 0),
                       ('rows', g.partner_id, g.ledger_rows, 0)
              ) v(bucket, partner_id, amount, overdue)
            """,
            today=today,
            table=SQL.identifier(LEDGER_TABLE),
            company=company_id,
            ids=ids,
        )

    @api.model
    def _credit_ledger_fold(self, commercial_ids, company_id):
        """Fold the rows of the commercial partners ``commercial_ids`` and of
        their contacts in the company ``company_id``: the credit check calls
        it for the customers it read more than :data:`FOLD_ROWS` rows of
        (its ``rows`` bucket), after reading them, so the next check reads a
        few rows again; the sums are unchanged."""
        self.env.execute_query(
            SQL(
                """
                SELECT %(fold)s(ARRAY(
                       SELECT c.id FROM res_partner c
                        WHERE c.commercial_partner_id = ANY(%(ids)s)), %(company)s)
                """,
                fold=SQL.identifier(FOLD_FUNCTION),
                ids=sorted(commercial_ids),
                company=company_id,
            )
        )
        return True

    # --------------------------------------------------------- verification
    @api.model
    def _credit_ledger_drift(self):
        """Rows ``(partner_id, company_id, date_due, stored, measured)`` where
        the ledger (folded) differs from the definition, ``stored`` and
        ``measured`` being ``(debit, credit, ordered, draft)``."""
        self.env.flush_all()
        amounts = SQL(", ").join(SQL.identifier(name) for name in AMOUNTS)
        rows = self.env.execute_query(
            SQL(
                """
                WITH stored AS (%(stored)s), measured AS (%(measured)s)
                SELECT COALESCE(s.partner_id, m.partner_id),
                       COALESCE(s.company_id, m.company_id),
                       COALESCE(s.date_due, m.date_due),
                       ARRAY[s.debit, s.credit, s.ordered, s.draft],
                       ARRAY[m.debit, m.credit, m.ordered, m.draft]
                  FROM stored s
             FULL JOIN measured m
                    ON m.partner_id = s.partner_id
                   AND m.company_id = s.company_id
                   AND m.date_due = s.date_due
                 WHERE (s.debit, s.credit, s.ordered, s.draft)
                       IS DISTINCT FROM (m.debit, m.credit, m.ordered, m.draft)
                """,
                stored=grouped_sql(
                    SQL(
                        "SELECT partner_id, company_id, date_due, %s FROM %s",
                        amounts,
                        SQL.identifier(LEDGER_TABLE),
                    ),
                    folded_due_sql(SQL("x.date_due")),
                ),
                measured=measured_sql(),
            )
        )
        return [
            (
                partner_id,
                company_id,
                date_due,
                tuple(float(value or 0.0) for value in stored),
                tuple(float(value or 0.0) for value in measured),
            )
            for partner_id, company_id, date_due, stored, measured in rows
        ]

    @api.model
    def _cron_verify_exposure(self):
        """Fold every customer's rows, compare the ledger with the definition
        (daily cron) and correct a difference (a writer the triggers did not
        see, e.g. with them switched off), written in the control log per
        customer and company.

        :return: the number of customers corrected
        """
        cr = self.env.cr
        cr.execute(fold_sql(SQL("TRUE")))
        drift = self._credit_ledger_drift()
        if not drift:
            return 0
        cr.execute(
            insert_sql(
                SQL(
                    "VALUES %s",
                    SQL(", ").join(
                        SQL(
                            "(%s, %s, %s::date, %s, %s, %s, %s)",
                            partner_id,
                            company_id,
                            date_due,
                            *(m - s for s, m in zip(stored, measured, strict=True)),
                        )
                        for partner_id, company_id, date_due, stored, measured in drift
                    ),
                )
            )
        )
        # One log line per customer and company: its exposure stored and
        # measured (receivable, orders, draft invoices).
        partners = self.sudo().browse({row[0] for row in drift}).exists()
        totals = defaultdict(lambda: ([0.0] * 3, [0.0] * 3))
        for partner_id, company_id, _due, stored, measured in drift:
            partner = self.sudo().browse(partner_id)
            key = (
                partner.commercial_partner_id.id if partner in partners else partner_id,
                company_id,
            )
            for side, values in zip(totals[key], (stored, measured), strict=True):
                side[0] += values[0] + values[1]
                side[1] += values[2]
                side[2] += values[3]
        Log = self.env["control.log"]
        for (partner_id, company_id), (stored, measured) in sorted(totals.items()):
            company = self.env["res.company"].browse(company_id).exists()
            partner = self.sudo().browse(partner_id).exists()
            if not company or not partner:
                continue

            def amount(value, company=company):
                return format_amount(self.env, value, company.currency_id)

            message = Log._text(
                _lt(
                    "Customer %(partner)s in %(company)s: its stored exposure "
                    "(receivable %(stored_receivable)s, orders %(stored_orders)s, "
                    "draft invoices %(stored_draft)s) differed from its journal "
                    "items, orders and draft invoices (receivable %(receivable)s, "
                    "orders %(orders)s, draft invoices %(draft)s); it is corrected.",
                    partner=partner.display_name,
                    company=company.name,
                    stored_receivable=amount(stored[0]),
                    stored_orders=amount(stored[1]),
                    stored_draft=amount(stored[2]),
                    receivable=amount(measured[0]),
                    orders=amount(measured[1]),
                    draft=amount(measured[2]),
                )
            )
            Log._log(
                "credit_totals",
                partner,
                message,
                amount=sum(measured) - sum(stored),
                company=company,
                control="credit",
            )
        return len(totals)
