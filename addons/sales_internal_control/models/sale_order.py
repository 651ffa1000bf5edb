from odoo import models


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "control.approval.mixin"]
    _anomaly_history_index = ("partner_id", "date_order")

    def init(self):
        # Odoo's sale order init does not call super(): the mixin's is not
        # reached.
        res = super().init()
        self._anomaly_create_history_index()
        return res

    def _approval_get_amount(self):
        self.ensure_one()
        # currency_rate: company currency to order currency, at the order date
        return self.company_id.currency_id.round(
            self.amount_total / (self.currency_rate or 1.0)
        )

    def _approval_get_discount(self):
        self.ensure_one()
        return max(self.order_line.mapped("discount") or [0.0])

    def _approval_discount_lines(self, threshold):
        self.ensure_one()
        return [
            (line.name or line.product_id.display_name, line.discount)
            for line in self.order_line
            if not line.display_type and line.discount >= threshold
        ]

    def _approval_summary_lines(self):
        return self.order_line.filtered(lambda line: not line.display_type)

    def _approval_enabled(self):
        self.ensure_one()
        return self.company_id._control_setting("control_approval_sale")

    def _approval_action(self):
        return self.action_confirm()

    def _approval_done_states(self):
        return ("sale",)

    def action_confirm(self):
        # Orders Odoo would refuse anyway go straight to its error message.
        candidates = self.filtered(
            lambda order: not order._confirmation_error_message()
        )
        to_confirm = self - candidates._approval_route()
        if not to_confirm:
            return True
        return super(SaleOrder, to_confirm).action_confirm()
