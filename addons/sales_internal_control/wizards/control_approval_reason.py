from odoo import fields, models


class ControlApprovalReason(models.TransientModel):
    """Ask the reason of a rejection or an emergency approval."""

    _name = "control.approval.reason"
    _description = "Approval Decision Reason"

    request_ids = fields.Many2many("control.approval.request", required=True)
    mode = fields.Selection(
        [("reject", "Reject"), ("emergency", "Emergency Approval")],
        required=True,
        default="reject",
    )
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        if self.mode == "emergency":
            self.request_ids.action_emergency_approve(self.reason)
        else:
            self.request_ids.action_reject(self.reason)
        return {"type": "ir.actions.act_window_close"}
