from odoo import models


class AccountPayment(models.Model):
    _name = "account.payment"
    _inherit = ["account.payment", "control.approval.mixin"]

    def _anomaly_relevant(self, detector):
        # Only the unusual amount detector looks at incoming payments too.
        return detector == "unusual_amount" or self.payment_type == "outbound"

    def _approval_get_amount(self):
        self.ensure_one()
        return abs(self.amount_company_currency_signed)

    def _approval_enabled(self):
        self.ensure_one()
        return self.company_id.control_approval_payment

    def _approval_action(self):
        return self.action_post()

    def _approval_done_states(self):
        return ("in_process", "paid")

    def action_post(self):
        candidates = self.filtered(lambda payment: payment.state == "draft")
        to_post = self - candidates._approval_route()
        if not to_post:
            return True
        return super(AccountPayment, to_post).action_post()
