from odoo import api, fields, models
from odoo.exceptions import UserError


class ControlBudgetRevision(models.Model):
    """One step of a budget's planned amount: its first confirmation, or an
    applied change request.

    Written by the code only (in sudo, when a budget is confirmed the first
    time or a change is applied) and never changed or deleted afterwards, not
    even by the administrator.
    """

    _name = "control.budget.revision"
    _description = "Budget Revision"
    _order = "date desc, id desc"
    _check_company_auto = True

    budget_id = fields.Many2one(
        "control.budget",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    change_id = fields.Many2one(
        "control.budget.change",
        string="Change Request",
        readonly=True,
        index=True,
        ondelete="restrict",
        help="Empty for the planned amount of the first confirmation.",
    )
    amount_before = fields.Monetary(readonly=True)
    amount_after = fields.Monetary(readonly=True)
    amount_delta = fields.Monetary(
        string="Change", compute="_compute_amount_delta", store=True
    )
    user_id = fields.Many2one("res.users", required=True, readonly=True)
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")

    @api.depends("amount_before", "amount_after")
    def _compute_amount_delta(self):
        for revision in self:
            revision.amount_delta = revision.amount_after - revision.amount_before

    def write(self, vals):
        if not self:
            return super().write(vals)
        raise UserError(
            self.env._(
                "Budget revisions are the history of the planned amounts and "
                "cannot be modified (revisions of %(budgets)s).",
                budgets=", ".join(self.budget_id.mapped("display_name")),
            )
        )

    def unlink(self):
        if not self:
            return super().unlink()
        raise UserError(
            self.env._(
                "Budget revisions are the history of the planned amounts and "
                "cannot be deleted (revisions of %(budgets)s).",
                budgets=", ".join(self.budget_id.mapped("display_name")),
            )
        )
