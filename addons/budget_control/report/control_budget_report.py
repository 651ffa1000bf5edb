from odoo import api, fields, models
from odoo.tools import SQL

from ..models.control_budget import ALERT_LEVELS

REPORT_KINDS = [
    ("planned", "Planned"),
    ("actual", "Actual"),
    ("committed", "Committed"),
]


class ControlBudgetReport(models.Model):
    """Budget vs actual: three rows per budget (planned, actual, committed).

    Each row carries its amount in ``amount`` (the graph compares the three
    kinds side by side) and in the measure of its kind, so that in a pivot
    the planned, actual, committed, consumed and variance (planned - consumed)
    measures each sum to the budget's figures. The actual and committed
    amounts are those of the budget check, from the same SQL pieces
    (``control.budget._consumption_query`` over every budget, built from
    ``control.budget._consumption_sql``, the budget check's own pieces).

    ``consumed_pct`` is, on a row, its budget's consumption; in a group it is
    the group's consumed amount over its planned amount (not an average of
    percentages): see :meth:`_read_group_select`.

    Nested budgets (a year and its quarters) each count the same spend: a
    total over a budget and its sub-budgets counts it twice; the "Top-level"
    filter keeps the budgets without a parent.
    """

    _name = "control.budget.report"
    _description = "Budget Analysis"
    _auto = False
    _order = "date_from desc, budget_id, kind"
    # Flushed before the report is read.
    _depends = {
        "control.budget": [
            "amount",
            "analytic_account_id",
            "company_id",
            "date_from",
            "date_to",
            "parent_id",
            "state",
            "user_id",
        ],
        "account.move.line": [
            "analytic_distribution",
            "balance",
            "date",
            "parent_state",
            "purchase_line_id",
            "quantity",
        ],
        "purchase.order.line": [
            "analytic_distribution",
            "price_subtotal",
            "product_qty",
            "order_id",
        ],
        "purchase.order": ["state", "date_order", "currency_rate"],
    }

    budget_id = fields.Many2one("control.budget", readonly=True)
    parent_id = fields.Many2one("control.budget", string="Parent Budget", readonly=True)
    kind = fields.Selection(REPORT_KINDS, readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    analytic_account_id = fields.Many2one("account.analytic.account", readonly=True)
    user_id = fields.Many2one("res.users", string="Owner", readonly=True)
    date_from = fields.Date(string="Start Date", readonly=True)
    date_to = fields.Date(string="End Date", readonly=True)
    state = fields.Selection(
        [("draft", "Draft"), ("confirmed", "Confirmed"), ("done", "Done")],
        readonly=True,
    )
    alert_level = fields.Selection(ALERT_LEVELS, readonly=True)
    amount = fields.Monetary(
        readonly=True, help="The row's amount: planned, actual or committed."
    )
    planned_amount = fields.Monetary(string="Planned", readonly=True)
    actual_amount = fields.Monetary(string="Actual", readonly=True)
    committed_amount = fields.Monetary(string="Committed", readonly=True)
    consumed_amount = fields.Monetary(
        string="Consumed", readonly=True, help="Actual + committed."
    )
    variance_amount = fields.Monetary(
        string="Variance",
        readonly=True,
        help="Planned - consumed: what is left (negative when over budget).",
    )
    consumed_pct = fields.Float(
        string="Consumed (%)",
        readonly=True,
        aggregator="sum",
        help="Consumed over planned; for a group, the group's consumed "
        "amount over its planned amount.",
    )

    @property
    def _table_query(self):
        return self._query()

    @api.model
    def _query(self):
        Budget = self.env["control.budget"]
        return SQL(
            """
            SELECT budget.id * 3 + kind.position AS id,
                   budget.id AS budget_id, budget.parent_id, kind.kind,
                   budget.company_id, budget.analytic_account_id, budget.user_id,
                   budget.date_from, budget.date_to, budget.state,
                   CASE WHEN pct.pct >= company.budget_red_pct THEN 'red'
                        WHEN pct.pct >= company.budget_orange_pct THEN 'orange'
                        WHEN pct.pct >= company.budget_yellow_pct THEN 'yellow'
                        ELSE 'green' END AS alert_level,
                   CASE kind.kind WHEN 'planned' THEN budget.amount
                                  WHEN 'actual' THEN figures.actual
                                  ELSE figures.committed END AS amount,
                   CASE WHEN kind.kind = 'planned' THEN budget.amount ELSE 0 END
                       AS planned_amount,
                   CASE WHEN kind.kind = 'actual' THEN figures.actual ELSE 0 END
                       AS actual_amount,
                   CASE WHEN kind.kind = 'committed' THEN figures.committed ELSE 0
                       END AS committed_amount,
                   CASE kind.kind WHEN 'planned' THEN 0
                                  WHEN 'actual' THEN figures.actual
                                  ELSE figures.committed END AS consumed_amount,
                   CASE kind.kind WHEN 'planned' THEN budget.amount
                                  WHEN 'actual' THEN -figures.actual
                                  ELSE -figures.committed END AS variance_amount,
                   pct.pct AS consumed_pct
              FROM control_budget budget
              JOIN res_company company ON company.id = budget.company_id
              JOIN (%(consumption)s) figures ON figures.budget_id = budget.id
        CROSS JOIN LATERAL (
                   SELECT CASE WHEN budget.amount != 0
                               THEN (figures.actual + figures.committed)
                                    * 100.0 / budget.amount
                               ELSE 0 END AS pct
                   ) pct
        CROSS JOIN (VALUES (0, 'planned'), (1, 'actual'), (2, 'committed'))
                   AS kind(position, kind)
            """,
            consumption=SQL(
                """
                SELECT c.id AS budget_id, COALESCE(c.actual, 0) AS actual,
                       COALESCE(c.committed, 0) AS committed
                  FROM (%s) AS c(id, actual, committed, date_start, date_stop,
                                 analytic_account_id, company_id, amount, level)
                """,
                Budget._consumption_query(SQL("TRUE")),
            ),
        )

    @api.model
    def _read_group_select(self, aggregate_spec, query):
        """A group's consumed (%) is its consumed over its planned amount."""
        if aggregate_spec.split(":")[0] != "consumed_pct":
            return super()._read_group_select(aggregate_spec, query)
        return SQL(
            "COALESCE(SUM(%s) * 100.0 / NULLIF(SUM(%s), 0), 0)",
            self._field_to_sql(self._table, "consumed_amount", query),
            self._field_to_sql(self._table, "planned_amount", query),
        )

    def action_open_budget(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "control.budget",
            "res_id": self.budget_id.id,
            "view_mode": "form",
        }
