from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _name = "res.config.settings"
    _inherit = ["res.config.settings", "control.finite.mixin"]

    export_alert_rows = fields.Integer(
        related="company_id.export_alert_rows", readonly=False
    )
