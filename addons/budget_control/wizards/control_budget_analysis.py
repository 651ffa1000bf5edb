from odoo import api, fields, models

ANALYSIS_KINDS = [
    ("planned", "Planned"),
    ("actual", "Actual"),
    ("committed", "Committed"),
]


class ControlBudgetAnalysis(models.TransientModel):
    """Budget vs actual figures, one row per budget and kind, for pivot and graph.

    The budget figures are computed live (not stored); this snapshot gives the
    pivot and graph views stored measures to aggregate. A row may only point at
    a budget its creator can read, and takes that budget's company (the
    company record rule then hides it from users of other companies).
    """

    _name = "control.budget.analysis"
    _description = "Budget Analysis"
    _order = "budget_id, kind"
    _check_company_auto = True

    budget_id = fields.Many2one(
        "control.budget", required=True, ondelete="cascade", check_company=True
    )
    analytic_account_id = fields.Many2one(
        "account.analytic.account", readonly=True, check_company=True
    )
    user_id = fields.Many2one("res.users", string="Owner", readonly=True)
    date_from = fields.Date(string="Start Date", readonly=True)
    date_to = fields.Date(string="End Date", readonly=True)
    # Read with the user's rights, not as superuser.
    alert_level = fields.Selection(
        related="budget_id.alert_level", string="Alert Level", compute_sudo=False
    )
    kind = fields.Selection(ANALYSIS_KINDS, required=True, readonly=True)
    amount = fields.Monetary(readonly=True, currency_field="currency_id")
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")

    @api.model_create_multi
    def create(self, vals_list):
        budgets = self.env["control.budget"].browse(
            {vals["budget_id"] for vals in vals_list if vals.get("budget_id")}
        )
        # Raises AccessError on a budget of a company the user is not in.
        budgets.check_access("read")
        companies = {budget.id: budget.company_id.id for budget in budgets.sudo()}
        for vals in vals_list:
            if vals.get("budget_id"):
                vals["company_id"] = companies[vals["budget_id"]]
        return super().create(vals_list)

    @api.model
    def _prepare_rows(self, budgets):
        rows = []
        for budget in budgets:
            common = {
                "budget_id": budget.id,
                "analytic_account_id": budget.analytic_account_id.id,
                "user_id": budget.user_id.id,
                "date_from": budget.date_from,
                "date_to": budget.date_to,
                "company_id": budget.company_id.id,
            }
            rows += [
                dict(common, kind="planned", amount=budget.amount),
                dict(common, kind="actual", amount=budget.actual_amount),
                dict(common, kind="committed", amount=budget.committed_amount),
            ]
        return rows
