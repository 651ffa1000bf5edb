from odoo import fields, models


class ControlApprovalRule(models.Model):
    _inherit = "control.approval.rule"

    model_name = fields.Selection(
        selection_add=[("control.budget.change", "Budget Change")],
        ondelete={"control.budget.change": "cascade"},
    )
