from odoo import models

from .account_move import BUDGET_MOVE_TYPES


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def write(self, vals):
        # The distribution of a posted journal item stays editable in Odoo
        # (its analytic lines are recreated): moving actuals onto another
        # budget goes through the same check as posting.
        if "analytic_distribution" not in vals:
            return super().write(vals)
        moves = self.move_id.filtered(
            lambda move: move.state == "posted" and move.move_type in BUDGET_MOVE_TYPES
        )
        if not moves:
            return super().write(vals)
        return moves._budget_run_checked(
            lambda: super(AccountMoveLine, self).write(vals),
            extra_account_ids=self.env[
                "control.budget.check.mixin"
            ]._budget_distribution_account_ids(vals["analytic_distribution"]),
        )
