from odoo import Command, models


class AccountPaymentRegister(models.TransientModel):
    _inherit = "account.payment.register"

    def _create_payment_vals_from_wizard(self, batch_result):
        vals = super()._create_payment_vals_from_wizard(batch_result)
        return self._budget_hold_payment_vals(vals, batch_result)

    def _create_payment_vals_from_batch(self, batch_result):
        vals = super()._create_payment_vals_from_batch(batch_result)
        return self._budget_hold_payment_vals(vals, batch_result)

    def _budget_hold_payment_vals(self, vals, batch_result):
        """The payment knows its bills before it is posted (Odoo links them
        after posting), so that the budget payment hold reads them. A held
        payment without write-off lines is created as a draft (Odoo writes
        its journal entry at creation when it gets write-off values, even
        none): posting it then asks the budget managers, and the bills are
        reconciled once it is approved and posted."""
        bills = batch_result["lines"].move_id
        vals["invoice_ids"] = [Command.set(bills.ids)]
        if (
            vals.get("payment_type") == "outbound"
            and not vals.get("write_off_line_vals")
            and bills._budget_payment_holds()
        ):
            vals.pop("write_off_line_vals", None)
        return vals
