from odoo import models


class PurchaseOrder(models.Model):
    _name = "purchase.order"
    _inherit = ["purchase.order", "control.approval.mixin"]
    _anomaly_history_index = ("partner_id", "date_order")

    def _approval_get_amount(self):
        self.ensure_one()
        # currency_rate: company currency to order currency, at the order date
        return self.company_id.currency_id.round(
            self.amount_total / (self.currency_rate or 1.0)
        )

    def _approval_summary_lines(self):
        return self.order_line.filtered(lambda line: not line.display_type)

    def _approval_enabled(self):
        self.ensure_one()
        return self.company_id._control_setting("control_approval_purchase")

    def _approval_action(self):
        return self.button_confirm()

    def _approval_done_states(self):
        return ("purchase", "done")

    def button_confirm(self):
        candidates = self.filtered(lambda order: order.state in ("draft", "sent"))
        to_confirm = self - candidates._approval_route()
        if not to_confirm:
            return True
        return super(PurchaseOrder, to_confirm).button_confirm()

    def _approval_allowed(self):
        # An order approved through the tiers does not wait again for Odoo's
        # own double validation; without a rule, Odoo's applies as usual.
        return self.approval_state == "approved" or super()._approval_allowed()
