from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    budget_yellow_pct = fields.Float(
        related="company_id.budget_yellow_pct", readonly=False
    )
    budget_orange_pct = fields.Float(
        related="company_id.budget_orange_pct", readonly=False
    )
    budget_red_pct = fields.Float(related="company_id.budget_red_pct", readonly=False)
    budget_payment_hold_pct = fields.Float(
        related="company_id.budget_payment_hold_pct", readonly=False
    )
