from odoo import fields, models


class ControlAnomalyReview(models.TransientModel):
    """Ask the note of a review (Confirm or Dismiss) in the web client."""

    _name = "control.anomaly.review"
    _description = "Review Anomaly Findings"

    finding_ids = fields.Many2many(
        "control.anomaly",
        default=lambda self: self.env.context.get("active_ids"),
        required=True,
    )
    mode = fields.Selection(
        [("confirm", "Confirm"), ("dismiss", "Dismiss")], required=True
    )
    note = fields.Text(required=True)

    def action_apply(self):
        self.ensure_one()
        if self.mode == "confirm":
            self.finding_ids.action_confirm_finding(self.note)
        else:
            self.finding_ids.action_dismiss(self.note)
        return {"type": "ir.actions.act_window_close"}
