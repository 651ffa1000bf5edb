from odoo import fields, models


class CreditReleaseWizard(models.TransientModel):
    _name = "credit.release.wizard"
    _description = "Release a Credit Block"

    order_ids = fields.Many2many("sale.order", string="Orders", required=True)
    reason = fields.Text(required=True)

    def action_release(self):
        self.ensure_one()
        self.order_ids.action_credit_release(self.reason)
        return {"type": "ir.actions.act_window_close"}
