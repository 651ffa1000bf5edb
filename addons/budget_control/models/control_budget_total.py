"""Budget totals: every budget's actual and committed amounts, kept up to
date by the database, so that the budget check reads them (one row per
budget) instead of summing the budget's history at every confirmation.

``control_budget_total`` holds one row per budget: its account, company and
dates, its period as UTC bounds, and ``actual`` and ``committed``, the
figures of :meth:`control.budget._consumption_sql` (the one definition),
or NULL while unknown. Triggers keep them:

- on ``purchase_order_line`` and ``account_move_line``, once per statement:
  the rows the statement inserted, deleted or changed (in a column the
  definition reads) are measured with the definition's own pieces, before
  and after, and the difference is added to the totals of the budgets they
  count for (in the order of the budgets' ids);
- on ``control_budget`` (a new budget; its account, company, dates or
  owner changed) and on ``res_partner`` (the time zone of a company or of
  a budget's owner, which moves the period's UTC bounds): the row's bounds
  are set again and its figures become unknown.

Every writer of a line that counts for a budget writes that budget's row,
so two transactions that move the same budget conflict there: PostgreSQL
makes the second fail to serialize and Odoo runs it again, as for the
check's lock on the budget itself.

An unknown figure is measured by the next check (the definition, as
before), and stored only when that is exact: a transaction that started
before the row's bounds were written could not see them, and its lines
would not move the row. The check therefore first waits for the moment
no such transaction runs any more (``trusted_after``, seen in
``pg_stat_activity``), and stores the figures measured by a transaction
that started after it. Odoo's transactions are REPEATABLE READ, whose
snapshot ``pg_stat_activity`` shows; a writer outside Odoo at READ
COMMITTED in that moment is not seen (:meth:`_budget_total_drift` finds
any difference).
"""

from odoo import api, models
from odoo.addons.sales_internal_control.models.control_tools import (
    create_transition_triggers,
    replace_plpgsql_function,
    replace_query_function,
    transition_rows_sql,
)
from odoo.tools import SQL, format_amount
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

TOTAL_TABLE = "control_budget_total"
# The database functions of the totals (dropped at an update and by the
# uninstall hook, with their triggers).
TOTAL_FUNCTIONS = (
    "control_budget_total_reset",
    "control_budget_total_committed",
    "control_budget_total_actual",
    "control_budget_total_budget",
    "control_budget_total_tz",
)
LOCK_FUNCTION = "control_budget_lock_and_measure"
# The columns of the lines that the definition reads.
COMMITTED_COLUMNS = (
    "budget_analytic_id",
    "company_id",
    "budget_date",
    "budget_committed_amount",
    "analytic_distribution",
)
ACTUAL_COLUMNS = (
    "move_id",
    "company_id",
    "date",
    "parent_state",
    "balance",
    "analytic_distribution",
)


class ControlBudget(models.Model):
    _inherit = "control.budget"

    def init(self):
        result = super().init()
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                CREATE TABLE IF NOT EXISTS %(table)s (
                    budget_id integer PRIMARY KEY
                        REFERENCES control_budget(id) ON DELETE CASCADE,
                    analytic_account_id integer NOT NULL,
                    company_id integer NOT NULL,
                    date_from date NOT NULL,
                    date_to date NOT NULL,
                    date_start timestamp NOT NULL,
                    date_stop timestamp NOT NULL,
                    actual numeric,
                    committed numeric,
                    bounds_xid xid8 NOT NULL,
                    trusted_after timestamp with time zone
                );
                CREATE INDEX IF NOT EXISTS control_budget_total_account_index
                    ON %(table)s (analytic_account_id, company_id)
                """,
                table=SQL.identifier(TOTAL_TABLE),
            )
        )
        self._budget_total_functions()
        # The code that measures may have changed: every figure is measured
        # again, by the next check.
        cr.execute(
            SQL(
                "SELECT control_budget_total_reset(ARRAY(SELECT id FROM %s))",
                SQL.identifier(self._table),
            )
        )
        return result

    # ------------------------------------------------------------ functions
    @api.model
    def _budget_total_functions(self):
        cr = self.env.cr
        parts = self._consumption_sql()
        replace_plpgsql_function(
            cr,
            "control_budget_total_reset",
            [("p_ids", "int[]")],
            "void",
            [
                SQL(
                    """
                    INSERT INTO control_budget_total AS total (
                           budget_id, analytic_account_id, company_id,
                           date_from, date_to, date_start, date_stop,
                           actual, committed, bounds_xid, trusted_after)
                    SELECT budget.id, budget.analytic_account_id,
                           budget.company_id, budget.date_from, budget.date_to,
                           period.date_start, period.date_stop,
                           NULL, NULL, pg_current_xact_id(), NULL
                      FROM control_budget budget
                CROSS JOIN LATERAL (%(period)s) period
                     WHERE budget.id = ANY(p_ids)
                  ORDER BY budget.id
                ON CONFLICT (budget_id) DO UPDATE
                       SET analytic_account_id = EXCLUDED.analytic_account_id,
                           company_id = EXCLUDED.company_id,
                           date_from = EXCLUDED.date_from,
                           date_to = EXCLUDED.date_to,
                           date_start = EXCLUDED.date_start,
                           date_stop = EXCLUDED.date_stop,
                           actual = NULL,
                           committed = NULL,
                           bounds_xid = EXCLUDED.bounds_xid,
                           trusted_after = NULL
                    """,
                    period=parts["period"],
                )
            ],
        )
        for name, table, column, columns, rows, alias in (
            (
                "control_budget_total_committed",
                "purchase_order_line",
                "committed",
                COMMITTED_COLUMNS,
                "committed_rows",
                "pol",
            ),
            (
                "control_budget_total_actual",
                "account_move_line",
                "actual",
                ACTUAL_COLUMNS,
                "actual_rows",
                "aml",
            ),
        ):
            replace_plpgsql_function(
                cr,
                name,
                [],
                "trigger",
                [
                    SQL(
                        "IF NOT EXISTS (SELECT FROM control_budget_total) "
                        "THEN RETURN NULL; END IF"
                    ),
                    SQL(
                        "IF TG_OP = 'INSERT' THEN %s; ELSIF TG_OP = 'DELETE' "
                        "THEN %s; ELSE %s; END IF",
                        *(
                            self._budget_total_apply(
                                table, column, columns, rows, alias, op
                            )
                            for op in ("INSERT", "DELETE", "UPDATE")
                        ),
                    ),
                    SQL("RETURN NULL"),
                ],
                declare=[("r", "record")],
            )
            create_transition_triggers(cr, name, table)
        replace_plpgsql_function(
            cr,
            "control_budget_total_budget",
            [],
            "trigger",
            [
                SQL("PERFORM control_budget_total_reset(ARRAY[NEW.id])"),
                SQL("RETURN NULL"),
            ],
        )
        cr.execute(
            """
            CREATE TRIGGER control_budget_total_budget
             AFTER INSERT OR UPDATE OF analytic_account_id, company_id,
                   date_from, date_to, user_id
                ON control_budget
               FOR EACH ROW EXECUTE FUNCTION control_budget_total_budget()
            """
        )
        replace_plpgsql_function(
            cr,
            "control_budget_total_tz",
            [],
            "trigger",
            [
                SQL(
                    """
                    PERFORM control_budget_total_reset(ARRAY(
                        SELECT budget.id
                          FROM control_budget budget
                     LEFT JOIN res_company company
                            ON company.id = budget.company_id
                     LEFT JOIN res_users owner ON owner.id = budget.user_id
                         WHERE company.partner_id = NEW.id
                            OR owner.partner_id = NEW.id))
                    """
                ),
                SQL("RETURN NULL"),
            ],
        )
        cr.execute(
            """
            CREATE TRIGGER control_budget_total_tz
             AFTER UPDATE OF tz ON res_partner
               FOR EACH ROW WHEN (OLD.tz IS DISTINCT FROM NEW.tz)
                   EXECUTE FUNCTION control_budget_total_tz()
            """
        )
        self._budget_total_lock_function()

    @api.model
    def _budget_total_apply(self, table, column, columns, rows, alias, op):
        """The PL/pgSQL loop that adds to the totals what the rows of one
        statement of ``op`` on ``table`` (its transition tables ``new_rows``
        and ``old_rows``) moved: the pieces ``rows`` of the definition
        (:meth:`_consumption_sql`) over the rows after, minus over the rows
        before, of the rows whose ``columns`` changed."""
        after, before = transition_rows_sql(op, columns)
        alias_sql = SQL.identifier(alias)
        model = self.env[
            "purchase.order.line" if alias == "pol" else "account.move.line"
        ]

        def measured(relation, sign):
            piece = self._consumption_sql(
                **{
                    ("lines" if alias == "pol" else "items"): SQL(
                        "%s %s", SQL.identifier(relation), alias_sql
                    )
                }
            )[rows]
            return SQL(
                """
                SELECT budget.budget_id AS id, %(sign)s * rows.amount AS amount
                  FROM control_budget_total budget
            CROSS JOIN LATERAL (SELECT budget.date_start, budget.date_stop) period
            CROSS JOIN LATERAL (%(piece)s) rows
                 WHERE budget.analytic_account_id IN (SELECT id FROM accounts)
                """,
                sign=sign,
                piece=piece,
            )

        return SQL(
            """
            FOR r IN
                WITH changed_after AS (%(after)s),
                     changed_before AS (%(before)s),
                     accounts AS (
                         SELECT DISTINCT account::int AS id
                           FROM (SELECT * FROM changed_after
                                 UNION ALL
                                 SELECT * FROM changed_before) %(alias)s
                     CROSS JOIN LATERAL unnest(%(accounts)s) AS account
                          WHERE account <> ''
                     )
                SELECT moved.id, SUM(moved.amount) AS amount
                  FROM (%(plus)s UNION ALL %(minus)s) moved
              GROUP BY moved.id
                HAVING SUM(moved.amount) <> 0
              ORDER BY moved.id
            LOOP
                UPDATE control_budget_total
                   SET %(column)s = %(column)s + r.amount::numeric
                 WHERE budget_id = r.id;
            END LOOP
            """,
            after=after,
            before=before,
            alias=alias_sql,
            accounts=model._query_analytic_accounts(alias),
            plus=measured("changed_after", 1),
            minus=measured("changed_before", -1),
            column=SQL.identifier(column),
        )

    @api.model
    def _budget_total_lock_function(self):
        """The budget check's statement (see
        control.budget.check.mixin._budget_lock_and_measure) as a PL/pgSQL
        function (PostgreSQL keeps its plan for the session): it locks the
        confirmed budgets of the companies on the accounts (a second
        transaction checking them waits, then fails to serialize and is
        retried by Odoo) and returns their figures from the totals; an
        unknown one is measured by the definition, and stored when that is
        exact (see the module's docstring)."""
        exact = SQL(
            """
            total.bounds_xid <> pg_current_xact_id()
            AND total.trusted_after IS NOT NULL
            AND total.trusted_after < now()
            """
        )
        # No transaction of this database runs any more that started
        # before the bounds were written (its snapshot's xmin would not
        # follow them); only clients write lines (autovacuum's workers
        # hold an xmin too).
        nobody_blind = SQL(
            """
            total.bounds_xid <> pg_current_xact_id()
            AND NOT EXISTS (
                SELECT FROM pg_stat_activity activity
                 WHERE activity.pid <> pg_backend_pid()
                   AND activity.datname = current_database()
                   AND activity.backend_type = 'client backend'
                   AND activity.backend_xmin IS NOT NULL
                   AND age(activity.backend_xmin) >= age(total.bounds_xid::xid))
            """
        )
        rounding = SQL(
            """
            (SELECT currency.rounding
               FROM res_company company
               JOIN res_currency currency ON currency.id = company.currency_id
              WHERE company.id = %s)
            """,
            SQL.identifier("budget", "company_id"),
        )
        replace_query_function(
            self.env.cr,
            LOCK_FUNCTION,
            [("p_account_ids", "int[]"), ("p_company_ids", "int[]")],
            [
                ("r_budget_id", "int"),
                ("r_actual", "numeric"),
                ("r_committed", "double precision"),
                ("r_date_start", "timestamp"),
                ("r_date_stop", "timestamp"),
                ("r_account_id", "int"),
                ("r_company_id", "int"),
                ("r_amount", "numeric"),
                ("r_last_alert_level", "varchar"),
                ("r_rounding", "numeric"),
            ],
            SQL(
                """
                WITH measured (id, actual, committed, date_start, date_stop,
                               account_id, company_id, amount, last_level)
                     AS MATERIALIZED (%(measured)s),
                     stored AS (
                         UPDATE control_budget_total total
                            SET actual = COALESCE(measured.actual, 0),
                                committed = COALESCE(measured.committed, 0)
                           FROM measured
                          WHERE total.budget_id = measured.id AND %(exact)s
                      RETURNING total.budget_id
                     ),
                     trusted AS (
                         UPDATE control_budget_total total
                            SET trusted_after = clock_timestamp()
                          WHERE total.budget_id = ANY(v_unknown)
                            AND total.trusted_after IS NULL
                            AND %(nobody_blind)s
                      RETURNING total.budget_id
                     )
                SELECT measured.id, measured.actual, measured.committed,
                       measured.date_start, measured.date_stop,
                       measured.account_id, measured.company_id,
                       measured.amount, measured.last_level, %(rounding)s
                  FROM measured
                  JOIN control_budget budget ON budget.id = measured.id
                """,
                measured=self._consumption_query(SQL("budget.id = ANY(v_unknown)")),
                exact=exact,
                nobody_blind=nobody_blind,
                rounding=rounding,
            ),
            prologue=SQL(
                """
                WITH locked AS (
                    UPDATE control_budget budget
                       SET write_date = budget.write_date
                     WHERE budget.state = 'confirmed'
                       AND budget.analytic_account_id = ANY(p_account_ids)
                       AND budget.company_id = ANY(p_company_ids)
                 RETURNING budget.id
                )
                SELECT array_agg(id ORDER BY id) INTO v_ids FROM locked;
                IF v_ids IS NULL THEN RETURN; END IF;
                SELECT array_agg(id) INTO v_unknown
                  FROM unnest(v_ids) AS id
                 WHERE NOT EXISTS (
                       SELECT FROM control_budget_total total
                        WHERE total.budget_id = id
                          AND total.actual IS NOT NULL
                          AND total.committed IS NOT NULL);
                RETURN QUERY
                SELECT total.budget_id, total.actual, total.committed::float8,
                       total.date_start, total.date_stop,
                       total.analytic_account_id, total.company_id,
                       budget.amount, budget.last_alert_level, %(rounding)s
                  FROM control_budget_total total
                  JOIN control_budget budget ON budget.id = total.budget_id
                 WHERE total.budget_id = ANY(v_ids)
                   AND total.actual IS NOT NULL
                   AND total.committed IS NOT NULL;
                IF v_unknown IS NULL THEN RETURN; END IF;
                -- pg_stat_activity as it is now, not as this transaction
                -- first read it
                PERFORM pg_stat_clear_snapshot()
                """,
                rounding=rounding,
            ),
            declare=[("v_ids", "int[]"), ("v_unknown", "int[]")],
        )

    @api.model
    def _lock_and_measure_query(self, account_ids, company_ids):
        """The statement that locks and measures the confirmed budgets of
        ``company_ids`` on ``account_ids``: rows of :meth:`_consumption_query`
        (then the rounding of the company's currency, so that the check
        compares the figures without reading the currency)."""
        return SQL(
            "SELECT * FROM %s(%s::int[], %s::int[])",
            SQL.identifier(LOCK_FUNCTION),
            sorted(account_ids),
            sorted(company_ids),
        )

    # ---------------------------------------------------------- verification
    def _budget_total_drift(self):
        """``{budget id: (stored, measured)}`` of these budgets (all when
        empty) whose stored totals differ from the definition by more than
        the rounding of their currency: ``(actual, committed)`` each."""
        self.env.flush_all()
        budgets = self or self.search([])
        measured = budgets._get_consumption_data()
        self.env.cr.execute(
            SQL(
                "SELECT budget_id, actual, committed FROM %s "
                "WHERE budget_id IN %s AND actual IS NOT NULL",
                SQL.identifier(TOTAL_TABLE),
                tuple(budgets.ids) or (0,),
            )
        )
        drift = {}
        for budget_id, actual, committed in self.env.cr.fetchall():
            budget = self.browse(budget_id)
            stored = (float(actual), float(committed))
            live = measured[budget_id]
            if any(
                budget.currency_id.compare_amounts(a, b)
                for a, b in zip(stored, live, strict=True)
            ):
                drift[budget_id] = (stored, live)
        return drift

    @api.model
    def _cron_verify_totals(self):
        """Compare every stored figure with the definition (daily cron). A
        difference (a writer the triggers could not follow: outside Odoo,
        at READ COMMITTED, at the moment a budget's period was written) is
        written in the control log and the figures are forgotten, to be
        measured again by the next check; a budget without its row gets
        one.

        :return: the number of budgets repaired
        """
        # A budget without its row (written while the triggers were off)
        # gets one, measured by its next check.
        self.env.cr.execute(
            """
            SELECT control_budget_total_reset(ARRAY(
                SELECT budget.id
                  FROM control_budget budget
                 WHERE NOT EXISTS (SELECT FROM control_budget_total total
                                    WHERE total.budget_id = budget.id)))
            """
        )
        drift = self.sudo()._budget_total_drift()
        if not drift:
            return 0
        self.env.cr.execute(
            SQL("SELECT control_budget_total_reset(%s::int[])", sorted(drift))
        )
        Log = self.env["control.log"]
        for budget in self.sudo().browse(sorted(drift)):
            (stored_actual, stored_committed), (actual, committed) = drift[budget.id]

            def amount(value, budget=budget):
                return format_amount(self.env, value, budget.currency_id)

            message = Log._text(
                _lt(
                    "Budget %(budget)s: its stored figures (actual %(stored_actual)s, "
                    "committed %(stored_committed)s) differed from its journal "
                    "items and purchase lines (actual %(actual)s, committed "
                    "%(committed)s); they are measured again.",
                    budget=budget.display_name,
                    stored_actual=amount(stored_actual),
                    stored_committed=amount(stored_committed),
                    actual=amount(actual),
                    committed=amount(committed),
                )
            )
            Log._log(
                "budget_totals",
                budget,
                message,
                amount=actual + committed - stored_actual - stored_committed,
                control="budget",
            )
        return len(drift)
