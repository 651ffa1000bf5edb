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
    amount = fields.Float(
        string="Total Released",
        help="Total of the document the release covers, in the document's "
        "currency. Leave empty for its current total; set a higher total to "
        "release a raise of a confirmed order.",
    )

    def action_release(self):
        self.ensure_one()
        document = self.env[self.res_model].browse(self.res_id)
        document.action_budget_release(self.reason, amount=self.amount or None)
        return {"type": "ir.actions.act_window_close"}
