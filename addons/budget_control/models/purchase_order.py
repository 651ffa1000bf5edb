from odoo import models


class PurchaseOrder(models.Model):
    _name = "purchase.order"
    _inherit = ["purchase.order", "control.budget.check.mixin"]

    def _budget_lines(self):
        return self.order_line.filtered(
            lambda line: not line.display_type and line.analytic_distribution
        )

    def button_approve(self, force=False):
        # button_confirm approves through here, so does the second validation
        # step of a double-validated order.
        return self._budget_run_checked(
            lambda: super(PurchaseOrder, self).button_approve(force=force)
        )
