from odoo import api, models

from .account_move import BUDGET_MOVE_TYPES


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    @api.constrains("analytic_distribution")
    def _check_budget_distribution(self):
        # Journal items of sales documents are not counted by budgets.
        sale_types = self.env["account.move"].get_sale_types(True)
        check = self.env["control.budget.check.mixin"]
        for line in self:
            if line.move_id.move_type not in sale_types:
                check._budget_check_distribution(
                    line.analytic_distribution, line.move_id.display_name, line.name
                )

    def _sanitize_values(self, vals, decimal_precision):
        # Before Odoo rounds the percentages (NaN or infinity end there in a
        # traceback); negative ones are refused by the constraint above.
        self.env["control.budget.check.mixin"]._budget_check_line_values(
            self, vals, "move_id"
        )
        return super()._sanitize_values(vals, decimal_precision)

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
