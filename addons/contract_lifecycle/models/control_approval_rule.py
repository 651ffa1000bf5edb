from odoo import fields, models


class ControlApprovalRule(models.Model):
    _inherit = "control.approval.rule"

    model_name = fields.Selection(
        selection_add=[("contract.contract", "Contract")],
        ondelete={"contract.contract": "cascade"},
    )
