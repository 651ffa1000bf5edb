from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..models.credit_open_items import open_items_query

# Who may print a customer's statement (its receivables).
STATEMENT_GROUPS = (
    "credit_rating.group_credit_controller,"
    "sales_internal_control.group_control_manager,"
    "account.group_account_invoice,"
    "account.group_account_readonly"
)


class ReportCustomerStatement(models.AbstractModel):
    """The customer statement: the customer's open items in the current
    company, from the one definition of open and overdue."""

    _name = "report.credit_rating.report_customer_statement"
    _description = "Customer Statement"

    @api.model
    def _get_report_values(self, docids, data=None):
        partners = self.env["res.partner"].browse(docids)
        if not self.env.su and not self.env.user.has_groups(STATEMENT_GROUPS):
            raise AccessError(
                self.env._(
                    "Only credit controllers and accounting users may print "
                    "customer statements (user %(user)s).",
                    user=self.env.user.name,
                )
            )
        # Record rules: another company's customer is refused.
        partners.check_access("read")
        company = self.env.company
        today = fields.Date.context_today(self)
        statements = self._statement_data(partners, company, today)
        return {
            "doc_ids": partners.ids,
            "doc_model": "res.partner",
            "docs": partners,
            "company": company,
            "currency": company.currency_id,
            "today": today,
            "statements": statements,
        }

    @api.model
    def _statement_data(self, partners, company, today):
        """{partner id: {"lines", "credits", "open", "overdue"}} of the
        customers' open items in ``company`` (one query)."""
        commercial = partners.commercial_partner_id
        result = {
            partner.id: {"lines": [], "credits": 0.0, "open": 0.0, "overdue": 0.0}
            for partner in partners
        }
        if not commercial:
            return result
        self.env.flush_all()
        rows = self.env.execute_query_dict(
            SQL(
                """
                SELECT o.partner_id, o.line_id, o.date, o.date_maturity,
                       o.residual, o.open_amount, l.balance AS original,
                       COALESCE(m.name, l.name) AS number
                  FROM (%(open_items)s) o
             LEFT JOIN account_move_line l ON l.id = o.line_id
             LEFT JOIN account_move m ON m.id = o.move_id
              ORDER BY o.partner_id, o.date_maturity NULLS LAST, o.line_id
                """,
                open_items=open_items_query(
                    SQL(
                        "l.company_id = %s AND l.partner_id IN %s",
                        company.id,
                        tuple(commercial.ids),
                    )
                ),
            )
        )
        by_commercial = {}
        for row in rows:
            data = by_commercial.setdefault(
                row["partner_id"],
                {"lines": [], "credits": 0.0, "open": 0.0, "overdue": 0.0},
            )
            data["open"] += row["open_amount"]
            if row["line_id"] is None:
                # Credits beyond every open item of the customer.
                data["credits"] += row["open_amount"]
                continue
            overdue = row["date_maturity"] < today
            if overdue:
                data["overdue"] += row["open_amount"]
            # Credits applied to this item (the oldest items first).
            data["credits"] -= row["residual"] - row["open_amount"]
            data["lines"].append(
                dict(
                    row,
                    days_late=(today - row["date_maturity"]).days
                    if overdue and row["open_amount"] > 0
                    else 0,
                )
            )
        for partner in partners:
            data = by_commercial.get(partner.commercial_partner_id.id)
            if data:
                result[partner.id] = data
        return result
