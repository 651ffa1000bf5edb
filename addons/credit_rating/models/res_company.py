from odoo import api, fields, models
from odoo.addons.sales_internal_control.models.control_tools import check_finite
from odoo.addons.sales_internal_control.models.res_company import SETTINGS_PREFETCH
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    credit_block_grade_a = fields.Boolean(
        prefetch=SETTINGS_PREFETCH, string="Block Grade A"
    )
    credit_block_grade_b = fields.Boolean(
        prefetch=SETTINGS_PREFETCH, string="Block Grade B"
    )
    credit_block_grade_c = fields.Boolean(
        prefetch=SETTINGS_PREFETCH, string="Block Grade C"
    )
    credit_block_grade_d = fields.Boolean(
        prefetch=SETTINGS_PREFETCH, string="Block Grade D", default=True
    )
    credit_block_overdue = fields.Boolean(
        prefetch=SETTINGS_PREFETCH,
        string="Block Customers with Overdue Receivables",
        default=True,
        help="Sale orders of a customer with posted receivables past their due "
        "date cannot be confirmed.",
    )

    dunning_min_amount = fields.Monetary(
        prefetch=SETTINGS_PREFETCH,
        string="Dunning Minimum Amount",
        currency_field="currency_id",
        default=1.0,
        help="Invoices whose overdue residual (company currency) is below this "
        "amount are not dunned.",
    )

    @api.constrains("dunning_min_amount")
    def _check_dunning_min_amount(self):
        for company in self:
            check_finite(
                self.env,
                company.dunning_min_amount,
                self._fields["dunning_min_amount"]._description_string(self.env),
                company.name,
            )
            if company.dunning_min_amount < 0:
                raise ValidationError(
                    self.env._(
                        "The dunning minimum amount of %(company)s cannot be "
                        "negative (%(amount)s).",
                        company=company.name,
                        amount=company.dunning_min_amount,
                    )
                )

    def _credit_blocked_grades(self):
        """Grades whose orders cannot be confirmed in this company."""
        self.ensure_one()
        return {
            grade
            for grade in ("A", "B", "C", "D")
            if self._control_setting(f"credit_block_grade_{grade.lower()}")
        }
