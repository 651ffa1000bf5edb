from odoo import api, fields, models

ANALYSIS_KINDS = [
    ("planned", "Planned"),
    ("actual", "Actual"),
    ("committed", "Committed"),
]


class ControlBudgetAnalysis(models.TransientModel):
    """Budget vs actual figures, one row per budget and kind, for pivot and graph.

    The budget figures are computed live (not stored); this snapshot gives the
    pivot and graph views stored measures to aggregate.
    """

    _name = "control.budget.analysis"
    _description = "Budget Analysis"
    _order = "budget_id, kind"

    budget_id = fields.Many2one("control.budget", required=True, ondelete="cascade")
    analytic_account_id = fields.Many2one("account.analytic.account", readonly=True)
    user_id = fields.Many2one("res.users", string="Owner", readonly=True)
    date_from = fields.Date(string="Start Date", readonly=True)
    date_to = fields.Date(string="End Date", readonly=True)
    alert_level = fields.Selection(
        related="budget_id.alert_level", string="Alert Level"
    )
    kind = fields.Selection(ANALYSIS_KINDS, required=True, readonly=True)
    amount = fields.Monetary(readonly=True, currency_field="currency_id")
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")

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
