from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    contract_invoice_tolerance_pct = fields.Float(
        related="company_id.contract_invoice_tolerance_pct", readonly=False
    )
    contract_signature_link_days = fields.Integer(
        related="company_id.contract_signature_link_days", readonly=False
    )
