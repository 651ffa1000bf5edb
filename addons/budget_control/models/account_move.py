from odoo import models

BUDGET_MOVE_TYPES = ("in_invoice", "in_refund", "in_receipt")


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "control.budget.check.mixin"]

    def _budget_documents_to_check(self):
        return self.filtered(lambda move: move.move_type in BUDGET_MOVE_TYPES)

    def _budget_lines(self):
        return self.invoice_line_ids.filtered(
            lambda line: line.display_type == "product" and line.analytic_distribution
        )

    def _post(self, soft=True):
        return self._budget_run_checked(lambda: super(AccountMove, self)._post(soft))
