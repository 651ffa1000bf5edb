from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.credit_open_items import open_items_query
from ..models.res_partner import CREDIT_GRADES


class CreditExposureReport(models.Model):
    """One line per document behind a customer's credit exposure."""

    _name = "credit.exposure.report"
    _description = "Credit Exposure Analysis"
    _auto = False
    _order = "partner_id, date desc"

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    bucket = fields.Selection(
        [
            ("receivable", "Open Receivables"),
            ("order", "Orders Not Invoiced"),
            ("draft_invoice", "Draft Invoices"),
        ],
        readonly=True,
    )
    amount = fields.Monetary(string="Exposure", readonly=True)
    overdue_amount = fields.Monetary(readonly=True)
    move_id = fields.Many2one("account.move", string="Journal Entry", readonly=True)
    order_id = fields.Many2one("sale.order", string="Sale Order", readonly=True)
    date = fields.Date(readonly=True)
    credit_grade = fields.Selection(CREDIT_GRADES, readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %s AS (
                    SELECT x.id, x.partner_id, x.company_id, x.bucket, x.amount,
                           x.overdue_amount, x.move_id, x.order_id, x.date,
                           p.credit_grade ->> x.company_id::text AS credit_grade
                      FROM (
                        SELECT o.id * 3 AS id, o.partner_id, o.company_id,
                               'receivable' AS bucket, o.open_amount AS amount,
                               CASE WHEN o.date_maturity < CURRENT_DATE
                                    THEN o.open_amount ELSE 0 END
                                   AS overdue_amount,
                               o.move_id, NULL::integer AS order_id, o.date
                          FROM (%s) o
                        UNION ALL
                        SELECT so.id * 3 + 1, cp.commercial_partner_id, so.company_id,
                               'order', SUM(sol.credit_open_amount), 0,
                               NULL, so.id, so.date_order::date
                          FROM sale_order_line sol
                          JOIN sale_order so ON so.id = sol.order_id
                          JOIN res_partner cp ON cp.id = so.partner_id
                         WHERE sol.state = 'sale' AND sol.credit_open_amount != 0
                      GROUP BY so.id, cp.commercial_partner_id, so.company_id
                        UNION ALL
                        SELECT m.id * 3 + 2, m.commercial_partner_id, m.company_id,
                               'draft_invoice', m.amount_total_signed, 0,
                               m.id, NULL, COALESCE(m.invoice_date, m.date)
                          FROM account_move m
                         WHERE m.state = 'draft'
                           AND m.move_type = 'out_invoice'
                      ) x
                      JOIN res_partner p ON p.id = x.partner_id
                )
                """,
                SQL.identifier(self._table),
                # The credit exposure's definition of open and overdue.
                open_items_query(SQL("TRUE")),
            )
        )

    def action_open_document(self):
        self.ensure_one()
        record = self.order_id or self.move_id
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "view_mode": "form",
        }
