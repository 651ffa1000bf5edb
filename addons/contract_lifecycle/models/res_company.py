from odoo import api, fields, models
from odoo.addons.sales_internal_control.models.control_tools import check_finite
from odoo.addons.sales_internal_control.models.res_company import SETTINGS_PREFETCH
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _name = "res.company"
    _inherit = ["res.company", "control.finite.mixin"]

    contract_invoice_tolerance_pct = fields.Float(
        prefetch=SETTINGS_PREFETCH,
        string="Contract Invoice Tolerance (%)",
        default=0.0,
        help="Invoices and sale orders of a contract may exceed its amount by "
        "this percentage (0: not at all).",
    )

    contract_signature_link_days = fields.Integer(
        prefetch=SETTINGS_PREFETCH,
        string="Contract Signature Link Validity (days)",
        default=30,
        help="A link sent to a customer to sign a contract on the portal works "
        "this many days.",
    )

    @api.constrains("contract_signature_link_days")
    def _check_contract_signature_link_days(self):
        for company in self:
            if not 1 <= company.contract_signature_link_days <= 3660:
                raise ValidationError(
                    self.env._(
                        "Company %(company)s: the contract signature link validity "
                        "%(days)s days must be between 1 and 3660.",
                        company=company.name,
                        days=company.contract_signature_link_days,
                    )
                )

    @api.constrains("contract_invoice_tolerance_pct")
    def _check_contract_invoice_tolerance_pct(self):
        for company in self:
            check_finite(
                self.env,
                company.contract_invoice_tolerance_pct,
                self._fields["contract_invoice_tolerance_pct"]._description_string(
                    self.env
                ),
                self.env._("Company %(company)s", company=company.name),
            )
            if not 0 <= company.contract_invoice_tolerance_pct <= 100:
                raise ValidationError(
                    self.env._(
                        "Company %(company)s: the contract invoice tolerance "
                        "%(pct)s%% must be between 0 and 100.",
                        company=company.name,
                        pct=company.contract_invoice_tolerance_pct,
                    )
                )
