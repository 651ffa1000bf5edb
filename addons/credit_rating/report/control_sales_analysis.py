from odoo import api, fields, models
from odoo.tools import SQL

from ..models.credit_open_items import open_items_query
from ..models.res_partner import CREDIT_GRADES


class ControlSalesAnalysis(models.Model):
    """The customer's credit grade as a dimension, and open and overdue in
    the credit check's one definition (unapplied credits netted against the
    oldest debits first)."""

    _inherit = "control.sales.analysis"

    credit_grade = fields.Selection(
        CREDIT_GRADES, string="Customer Grade", readonly=True
    )

    @api.model
    def _open_items_sql(self):
        return open_items_query(SQL("TRUE"))

    @api.model
    def _select(self):
        # The grade is company-dependent: the one of the row's company.
        return SQL(
            "%s, partner.credit_grade ->> line.company_id::text AS credit_grade",
            super()._select(),
        )
