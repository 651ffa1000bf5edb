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

    def _control_transition(self, state, apply):
        # Checked where a bill becomes posted, by any method (action_post, the
        # auto-post cron, Confirm Entries, a plain write of the state).
        if state != "posted":
            return super()._control_transition(state, apply)
        return self._budget_run_checked(
            lambda: super(AccountMove, self)._control_transition(state, apply)
        )
