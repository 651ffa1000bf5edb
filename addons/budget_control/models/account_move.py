from odoo import api, fields, models

BUDGET_MOVE_TYPES = ("in_invoice", "in_refund", "in_receipt")


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "control.budget.check.mixin"]

    budget_payment_hold = fields.Char(
        compute="_compute_budget_payment_hold",
        help="Why the payments of this vendor bill wait for a budget manager.",
    )

    @api.depends_context("uid")
    def _compute_budget_payment_hold(self):
        holds = self._budget_payment_holds()
        for move in self:
            move.budget_payment_hold = (
                move._budget_hold_message(holds[move]) if move in holds else False
            )

    def _budget_documents_to_check(self):
        return self.filtered(lambda move: move.move_type in BUDGET_MOVE_TYPES)

    def _budget_lines(self):
        return self.invoice_line_ids.filtered(
            lambda line: line.display_type == "product" and line.analytic_distribution
        )

    def _control_request_context(self):
        sections = super()._control_request_context()
        if self.move_type not in BUDGET_MOVE_TYPES:
            return sections
        return sections + self._budget_request_context(self.invoice_date or self.date)

    def _control_transition(self, state, apply):
        # Checked where a bill becomes posted, by any method (action_post, the
        # auto-post cron, Confirm Entries, a plain write of the state).
        if state != "posted":
            return super()._control_transition(state, apply)
        return self._budget_run_checked(
            lambda: super(AccountMove, self)._control_transition(state, apply)
        )

    def _budget_payment_holds(self):
        """``{vendor bill: [(budget, consumed %)]}``: the posted vendor bills
        charged to a confirmed budget whose period holds the bill's date and
        whose consumption reached the company's payment hold (no query when
        no company of the bills sets one; else one search for the budgets and
        one grouped measure, whatever the number of bills and budgets)."""
        bills = self.filtered(
            lambda move: (
                move.move_type in ("in_invoice", "in_receipt")
                and move.state == "posted"
                and move.company_id._control_setting("budget_payment_hold_pct") > 0
            )
        )
        if not bills:
            return {}
        budgets = bills._budget_candidate_budgets()
        if not budgets:
            return {}
        consumption = budgets._get_consumption_map()
        holds = {}
        for bill in bills:
            threshold = bill.company_id._control_setting("budget_payment_hold_pct")
            account_ids = set()
            for line in bill._budget_lines():
                account_ids |= self._budget_distribution_account_ids(
                    line.analytic_distribution
                )
            for budget in budgets:
                if (
                    budget.company_id == bill.company_id
                    and budget.analytic_account_id.id in account_ids
                    and budget.date_from <= bill.date <= budget.date_to
                ):
                    pct = budget._pct_of(consumption.get(budget.id, 0.0))
                    if pct >= threshold:
                        holds.setdefault(bill, []).append((budget, pct))
        return holds

    def _budget_hold_message(self, held):
        self.ensure_one()
        budgets = ", ".join(f"{budget.display_name} {pct:.2f}%" for budget, pct in held)
        threshold = self.company_id._control_setting("budget_payment_hold_pct")
        threshold = f"{threshold:.2f}"
        return self.env._(
            "Payments of %(bill)s wait for a budget manager: %(budgets)s "
            "(payment hold from %(threshold)s%%).",
            bill=self.display_name,
            budgets=budgets,
            threshold=threshold,
        )
