from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.credit_open_items import (
    age_key_sql,
    age_rank_sql,
    open_items_query,
)
from ..models.res_partner import CREDIT_GRADES

AGE_BUCKETS = [
    ("not_due", "Not Due"),
    ("1_30", "1-30 Days"),
    ("31_60", "31-60 Days"),
    ("61_90", "61-90 Days"),
    ("90_plus", "90+ Days"),
]


class CreditAgingReport(models.Model):
    """Receivables aging: one line per open receivable item, from the same
    definition of open and overdue as the credit exposure and the dunning
    (unapplied credits netted against the oldest debits)."""

    _name = "credit.aging.report"
    _description = "Receivables Aging"
    _auto = False
    _order = "partner_id, date_maturity"

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    credit_grade = fields.Selection(CREDIT_GRADES, readonly=True)
    dunning_level_id = fields.Many2one("credit.dunning.level", readonly=True)
    date_maturity = fields.Date(string="Due Date", readonly=True)
    days_overdue = fields.Integer(readonly=True, aggregator="max")
    age = fields.Selection(AGE_BUCKETS, readonly=True)
    amount_residual = fields.Monetary(
        string="Residual",
        readonly=True,
        help="Residual of the item before the customer's unapplied credits.",
    )
    amount_open = fields.Monetary(string="Open", readonly=True)
    amount_not_due = fields.Monetary(string="Not Due", readonly=True)
    amount_1_30 = fields.Monetary(string="1-30", readonly=True)
    amount_31_60 = fields.Monetary(string="31-60", readonly=True)
    amount_61_90 = fields.Monetary(string="61-90", readonly=True)
    amount_90_plus = fields.Monetary(string="90+", readonly=True)
    amount_overdue = fields.Monetary(string="Overdue", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(table)s AS (
                    SELECT x.*,
                           CASE WHEN x.age = 'not_due' THEN x.amount_open ELSE 0
                           END AS amount_not_due,
                           CASE WHEN x.age = '1_30' THEN x.amount_open ELSE 0
                           END AS amount_1_30,
                           CASE WHEN x.age = '31_60' THEN x.amount_open ELSE 0
                           END AS amount_31_60,
                           CASE WHEN x.age = '61_90' THEN x.amount_open ELSE 0
                           END AS amount_61_90,
                           CASE WHEN x.age = '90_plus' THEN x.amount_open ELSE 0
                           END AS amount_90_plus,
                           CASE WHEN x.age != 'not_due' THEN x.amount_open ELSE 0
                           END AS amount_overdue
                      FROM (
                        SELECT o.id, o.partner_id, o.company_id, o.move_id,
                               COALESCE(m.invoice_user_id, p.user_id) AS user_id,
                               m.team_id,
                               p.credit_grade ->> o.company_id::text AS credit_grade,
                               (p.dunning_level_id ->> o.company_id::text)::integer
                                   AS dunning_level_id,
                               o.date_maturity,
                               GREATEST(CURRENT_DATE - o.date_maturity, 0)
                                   AS days_overdue,
                               %(age)s AS age,
                               o.residual AS amount_residual,
                               o.open_amount AS amount_open
                          FROM (%(open_items)s) o
                          JOIN res_partner p ON p.id = o.partner_id
                     LEFT JOIN account_move m ON m.id = o.move_id
                      ) x
                )
                """,
                table=SQL.identifier(self._table),
                open_items=open_items_query(SQL("TRUE")),
                age=age_key_sql(
                    age_rank_sql(SQL("o.date_maturity"), SQL("CURRENT_DATE"))
                ),
            )
        )

    def action_open_document(self):
        self.ensure_one()
        if not self.move_id:
            return self.partner_id.action_view_credit_receivables()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.move_id.id,
            "view_mode": "form",
        }
