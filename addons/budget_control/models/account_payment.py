from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

HOLD_STATES = [
    ("none", "No Budget Hold"),
    ("held", "Held: Budget Manager to Approve"),
    ("released", "Released by a Budget Manager"),
]


class AccountPayment(models.Model):
    """Payment hold: an outgoing payment of a vendor bill charged to a budget
    consumed at or above the company's ``budget_payment_hold_pct`` waits for
    a budget manager's tier in the approval engine, and no way of posting it
    (the ordinary action or any other) passes without that approval."""

    _inherit = "account.payment"

    budget_hold_state = fields.Selection(
        HOLD_STATES, string="Budget Hold", compute="_compute_budget_hold"
    )
    budget_hold_message = fields.Char(compute="_compute_budget_hold")

    @api.depends_context("uid")
    @api.depends("state", "approval_state", "invoice_ids")
    def _compute_budget_hold(self):
        holds = self._budget_hold_budgets()
        for payment in self:
            released = payment._budget_hold_released()
            if payment in holds and payment.state == "draft":
                payment.budget_hold_state = "released" if released else "held"
                payment.budget_hold_message = payment._budget_hold_text(holds[payment])
            else:
                payment.budget_hold_state = "released" if released else "none"
                payment.budget_hold_message = False

    # Hold

    def _budget_hold_budgets(self):
        """``{payment: [(budget, consumed %)]}`` for the outgoing payments of
        held vendor bills (a constant number of queries for the batch)."""
        payments = self.filtered(
            lambda payment: (
                payment.payment_type == "outbound"
                and payment.company_id._control_setting("budget_payment_hold_pct") > 0
                and payment.invoice_ids
            )
        )
        if not payments:
            return {}
        holds = payments.invoice_ids.sudo()._budget_payment_holds()
        result = {}
        for payment in payments:
            held = [
                item
                for bill in payment.invoice_ids.sudo()
                for item in holds.get(bill, ())
            ]
            if held:
                result[payment] = held
        return result

    def _budget_hold_text(self, held):
        self.ensure_one()
        budgets = {}
        for budget, pct in held:
            budgets[budget] = pct
        names = ", ".join(
            f"{budget.display_name} ({pct:.2f}%)" for budget, pct in budgets.items()
        )
        threshold = self.company_id._control_setting("budget_payment_hold_pct")
        threshold = f"{threshold:.2f}"
        return self.env._(
            "Budget %(budgets)s consumed at or above the payment hold of "
            "%(threshold)s%%: a budget manager approves this payment.",
            budgets=names,
            threshold=threshold,
        )

    def _budget_hold_released(self):
        """Whether a budget manager approved this payment's current round
        (not an emergency approval of all tiers at once)."""
        self.ensure_one()
        if not self.id or self.approval_state != "approved":
            return False
        group = self.env.ref("budget_control.group_budget_manager")
        requests = (
            self.env["control.approval.request"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "=", self.id),
                    ("group_id", "=", group.id),
                    ("state", "=", "approved"),
                    ("emergency", "=", False),
                ]
            )
        )
        return any(group in request.decided_by_id.groups_id for request in requests)

    # Approval engine hooks

    def _approval_enabled(self):
        # Held payments go through the engine even where the company does not
        # ask approvals for payments.
        return super()._approval_enabled() or bool(self._budget_hold_budgets())

    def _approval_get_extra_tiers(self):
        tiers = super()._approval_get_extra_tiers()
        holds = self._budget_hold_budgets()
        if self in holds:
            tiers.append(
                {
                    "name": self.env._("Budget manager (payment hold)"),
                    "group_id": self.env.ref("budget_control.group_budget_manager").id,
                    "user_id": False,
                }
            )
        return tiers

    def _approval_route(self):
        # An approval given before the hold applied (the budget was consumed
        # meanwhile) does not cover it: a new round with the budget manager.
        approved = self.filtered(lambda payment: payment.approval_state == "approved")
        holds = approved._budget_hold_budgets()
        for payment in holds:
            if payment._budget_hold_released():
                continue
            message = self.env["control.log"]._text(
                _lt(
                    "Approval of %(payment)s void: %(hold)s",
                    payment=payment.display_name,
                    hold=payment._budget_hold_text(holds[payment]),
                )
            )
            payment._approval_end_round("none")
            payment._control_note(message)
            self.env["control.log"]._log(
                "blocked", payment, message, amount=payment._approval_get_amount()
            )
        return super()._approval_route()

    def _control_transition(self, state, apply):
        holds = self._budget_hold_budgets()
        for payment, held in holds.items():
            if payment._budget_hold_released():
                continue
            message = self.env._(
                "%(payment)s cannot be posted: %(hold)s Use the ordinary Confirm "
                "button, which asks the budget managers.",
                payment=payment.display_name,
                hold=payment._budget_hold_text(held),
            )
            self.env["control.log"]._log_detached(
                "blocked", payment, message, amount=payment._approval_get_amount()
            )
            raise UserError(message)
        return super()._control_transition(state, apply)

    def action_post(self):
        result = super().action_post()
        # Released by a budget manager and posted: reconciled with its bills,
        # as the payment wizard does for a payment that did not wait.
        for payment in self.filtered(
            lambda payment: (
                payment.state in ("in_process", "paid")
                and payment.invoice_ids
                and payment.move_id.state == "posted"
            )
        ):
            if payment._budget_hold_released():
                payment._budget_hold_reconcile()
        return result

    def _budget_hold_reconcile(self):
        self.ensure_one()
        types = self._get_valid_payment_account_types()

        def open_lines(moves):
            return moves.line_ids.filtered(
                lambda line: (
                    line.account_id.account_type in types
                    and line.parent_state == "posted"
                    and not line.reconciled
                )
            )

        lines = open_lines(self.move_id)
        bill_lines = open_lines(self.invoice_ids)
        for account in lines.account_id:
            (lines + bill_lines).filtered(
                lambda line, account=account: (
                    line.account_id == account and not line.reconciled
                )
            ).reconcile()
