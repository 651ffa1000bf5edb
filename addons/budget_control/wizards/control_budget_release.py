from odoo import fields, models


class ControlBudgetRelease(models.TransientModel):
    """Ask a budget manager for the reason of a budget release."""

    _name = "control.budget.release"
    _description = "Release a Budget Block"

    res_model = fields.Selection(
        [("purchase.order", "Purchase Order"), ("account.move", "Vendor Bill")],
        string="Document Type",
        required=True,
    )
    res_id = fields.Integer(string="Document ID", required=True)
    reason = fields.Text(required=True)

    def action_release(self):
        self.ensure_one()
        document = self.env[self.res_model].browse(self.res_id)
        document.action_budget_release(self.reason)
        return {"type": "ir.actions.act_window_close"}
