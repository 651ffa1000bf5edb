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
        documents = ", ".join(self.request_ids.mapped("res_name"))
        if self.mode == "emergency":
            result = self.request_ids.with_context(
                approval_feedback=True
            ).action_emergency_approve(self.reason)
            if isinstance(result, dict):
                # Approved, but the document's action was refused after it.
                return result
            title = self.env._("Emergency approval given")
            message = self.env._(
                "%(documents)s approved; the controllers will review it.",
                documents=documents,
            )
        else:
            self.request_ids.action_reject(self.reason)
            title = self.env._("Rejected")
            message = self.env._(
                "%(documents)s rejected; the requester is notified with your reason.",
                documents=documents,
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title,
                "message": message,
                "type": "info",
                "sticky": False,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
