from odoo import models


class AccountPaymentRegister(models.TransientModel):
    _inherit = "account.payment.register"

    def _post_payments(self, to_process, edit_mode=False):
        # The wizard links its payments to the bills only after posting them:
        # the segregation-of-duties rules look at the bills being paid here.
        for vals in to_process:
            payment = vals["payment"]
            if payment.payment_type != "outbound":
                continue
            bills = vals["to_reconcile"].move_id
            conflicts = bills._sod_bill_conflicts(self.env.user)
            if conflicts:
                payment._sod_raise(conflicts[0][1])
        return super()._post_payments(to_process, edit_mode=edit_mode)
