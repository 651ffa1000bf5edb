from odoo import fields, models


class CreditDunningInvoiceWizard(models.TransientModel):
    """Record a promise to pay or a dispute on customer invoices."""

    _name = "credit.dunning.invoice.wizard"
    _description = "Promise to Pay or Dispute an Invoice"

    move_ids = fields.Many2many("account.move", string="Invoices", required=True)
    mode = fields.Selection(
        [("promise", "Promise to Pay"), ("dispute", "Dispute")],
        required=True,
        default="promise",
    )
    promise_date = fields.Date(string="Promised Payment Date")
    note = fields.Text(help="The promise's note, or the dispute's reason.")

    def action_confirm(self):
        self.ensure_one()
        if self.mode == "promise":
            self.move_ids.action_dunning_promise(self.promise_date, self.note)
        else:
            self.move_ids.action_dunning_dispute(self.note)
        return {"type": "ir.actions.act_window_close"}
