from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .control_tools import check_finite
from .res_company import SETTINGS_PREFETCH


class ResCompany(models.Model):
    _name = "res.company"
    _inherit = ["res.company", "control.finite.mixin"]

    export_alert_rows = fields.Integer(
        prefetch=SETTINGS_PREFETCH,
        string="Export Alert (Rows)",
        default=1000,
        help="A user who exports more rows than this in one day (contacts, sale "
        "orders, invoices and bills, payments, contracts, control log) raises a "
        "finding of the Mass export anomaly rule. 0: every export does.",
    )

    @api.constrains("export_alert_rows")
    def _check_export_alert_rows(self):
        for company in self:
            label = self._fields["export_alert_rows"]._description_string(self.env)
            check_finite(
                self.env,
                company.export_alert_rows,
                label,
                self.env._("Company %(company)s", company=company.name),
            )
            if company.export_alert_rows < 0:
                raise ValidationError(
                    self.env._(
                        "Company %(company)s: %(label)s cannot be negative "
                        "(%(value)s).",
                        company=company.name,
                        label=label,
                        value=company.export_alert_rows,
                    )
                )

    def cache_invalidation_fields(self):
        # The company partners' own bank accounts are not masked (cached).
        return super().cache_invalidation_fields() | {"partner_id"}
