from odoo import models

BUDGET_MOVE_TYPES = ("in_invoice", "in_refund")


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "control.budget.check.mixin"]

    def _budget_documents_to_check(self):
        return self.filtered(lambda move: move.move_type in BUDGET_MOVE_TYPES)

    def _budget_lines(self):
        return self.invoice_line_ids.filtered(
            lambda line: line.display_type == "product" and line.analytic_distribution
        )

    def _budget_blocks(self, budgets, before, after, names):
        # Refunds give budget back: they are never blocked.
        if all(move.move_type == "in_refund" for move in self):
            return []
        return super()._budget_blocks(budgets, before, after, names)

    def _post(self, soft=True):
        return self._budget_run_checked(lambda: super(AccountMove, self)._post(soft))
