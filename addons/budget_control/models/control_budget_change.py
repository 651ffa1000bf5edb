from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_amount
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

CHANGE_TYPES = [
    ("increase", "Increase"),
    ("decrease", "Decrease"),
    ("transfer", "Transfer"),
]
CHANGE_STATES = [
    ("draft", "Draft"),
    ("to_approve", "To Approve"),
    ("applied", "Applied"),
    ("rejected", "Rejected"),
]
# What a change request asks for: fixed once it is submitted.
LOCKED_FIELDS = (
    "budget_id",
    "change_type",
    "target_budget_id",
    "amount",
    "reason",
    "company_id",
)
# Set by the workflow only (the actions, in sudo), never by create or write.
WORKFLOW_FIELDS = ("name", "state", "requested_by_id", "applied_date")


class ControlBudgetChange(models.Model):
    """A request to raise, lower or move a confirmed budget's planned amount.

    Submitted, it goes through the approval engine (rules on
    ``control.budget.change``; without a rule that applies, one tier of
    budget managers, the requester excluded). Approved, it is applied in the
    engine's state-transition hook (:meth:`_control_transition`, the only way
    to the ``applied`` state): the budgets are locked, no budget may fall
    below its consumed amount, the planned amounts are written and one
    immutable ``control.budget.revision`` line per budget records the step.
    """

    _name = "control.budget.change"
    _description = "Budget Change Request"
    # control.finite.mixin first: it refuses NaN before the others read values.
    _inherit = [
        "control.finite.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "control.approval.mixin",
    ]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference",
        required=True,
        readonly=True,
        copy=False,
        default="/",
        index="trigram",
    )
    budget_id = fields.Many2one(
        "control.budget",
        required=True,
        index=True,
        tracking=True,
        ondelete="restrict",
        domain="[('state', '=', 'confirmed')]",
    )
    change_type = fields.Selection(
        CHANGE_TYPES, string="Type", required=True, default="increase", tracking=True
    )
    target_budget_id = fields.Many2one(
        "control.budget",
        index=True,
        tracking=True,
        ondelete="restrict",
        domain="[('state', '=', 'confirmed'), ('id', '!=', budget_id), "
        "('company_id', '=', company_id)]",
        help="Transfers only: the budget that receives the amount.",
    )
    amount = fields.Monetary(
        tracking=True, help="Amount to add, remove or move (company currency)."
    )
    reason = fields.Text(tracking=True)
    state = fields.Selection(
        CHANGE_STATES,
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
    )
    company_id = fields.Many2one(
        "res.company",
        compute="_compute_company_id",
        store=True,
        precompute=True,
        readonly=True,
        index=True,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    requested_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    applied_date = fields.Datetime(readonly=True, copy=False)
    revision_ids = fields.One2many(
        "control.budget.revision", "change_id", string="Revisions", readonly=True
    )

    @api.depends("budget_id")
    def _compute_company_id(self):
        for change in self:
            change.company_id = change.budget_id.company_id or self.env.company

    @api.onchange("change_type")
    def _onchange_change_type(self):
        if self.change_type != "transfer":
            self.target_budget_id = False

    # Not on company_id: it is computed from the budget (checked with it).
    @api.constrains("budget_id", "change_type", "target_budget_id", "amount", "reason")
    def _check_change(self):
        self._check_change_values(ValidationError)

    def _check_change_values(self, error):
        """Refuse what no change may ask (``error``: ValidationError at save,
        UserError when an action finds the budgets changed since)."""
        for change in self:
            if not self.env.su:
                # A budget of a company the user may not read (its target is
                # checked against the budget's company below).
                change.budget_id.check_access("read")
            budget = change.budget_id.sudo()
            target = change.target_budget_id.sudo()
            amount = change.amount or 0.0
            values = {
                "change": change.display_name,
                "budget": budget.display_name,
                "target": target.display_name,
                "amount": format_amount(self.env, amount, change.currency_id),
            }
            if change.currency_id.compare_amounts(amount, 0.0) <= 0:
                raise error(
                    self.env._(
                        "Budget change %(change)s of %(budget)s: the amount "
                        "%(amount)s must be positive.",
                        **values,
                    )
                )
            if not (change.reason or "").strip():
                raise error(
                    self.env._(
                        "Budget change %(change)s of %(budget)s (%(amount)s) needs "
                        "a reason.",
                        **values,
                    )
                )
            for checked in budget | target:
                if checked.state != "confirmed":
                    raise error(
                        self.env._(
                            "Budget change %(change)s: budget %(checked)s is "
                            "%(state)s; only a confirmed budget can change "
                            "through a change request (a draft budget is "
                            "edited directly, a closed one no longer changes).",
                            change=change.display_name,
                            checked=checked.display_name,
                            state=checked._state_label(),
                        )
                    )
            if budget.company_id != change.company_id:
                raise error(
                    self.env._(
                        "Budget change %(change)s belongs to %(company)s but "
                        "budget %(budget)s to %(budget_company)s.",
                        company=change.company_id.name,
                        budget_company=budget.company_id.name,
                        **values,
                    )
                )
            if change.change_type != "transfer":
                if target:
                    raise error(
                        self.env._(
                            "Budget change %(change)s of %(budget)s is not a "
                            "transfer: it cannot name a target budget "
                            "(%(target)s).",
                            **values,
                        )
                    )
                continue
            if not target:
                raise error(
                    self.env._(
                        "Budget change %(change)s transfers %(amount)s from "
                        "%(budget)s: choose the target budget.",
                        **values,
                    )
                )
            if target == budget:
                raise error(
                    self.env._(
                        "Budget change %(change)s transfers %(amount)s from "
                        "budget %(budget)s to itself.",
                        **values,
                    )
                )
            if target.company_id != budget.company_id:
                raise error(
                    self.env._(
                        "Budget change %(change)s: budget %(budget)s (%(company)s) "
                        "cannot transfer %(amount)s to budget %(target)s of "
                        "another company (%(target_company)s).",
                        company=budget.company_id.name,
                        target_company=target.company_id.name,
                        **values,
                    )
                )
            if target.currency_id != budget.currency_id:
                raise error(
                    self.env._(
                        "Budget change %(change)s: budget %(budget)s is in "
                        "%(currency)s and budget %(target)s in "
                        "%(target_currency)s; a transfer stays in one currency.",
                        currency=budget.currency_id.name,
                        target_currency=target.currency_id.name,
                        **values,
                    )
                )

    # CRUD

    def _prepare_create_values(self, vals_list):
        # After the guards (the name is the sequence's, never the caller's).
        result = super()._prepare_create_values(vals_list)
        Sequence = self.env["ir.sequence"].sudo()
        for vals in result:
            company = self.env["res.company"].browse(vals.get("company_id"))
            vals["name"] = Sequence.with_company(
                company or self.env.company
            ).next_by_code("control.budget.change") or self.env._("New")
        return result

    def write(self, vals):
        # The workflow's fields before anything else (the approval engine's
        # state-transition hook runs inside the write).
        workflow = [name for name in WORKFLOW_FIELDS if name in vals]
        if workflow and not self._control_guard_allowed("budget_change"):
            changed = self._control_guard_changed(
                {name: vals[name] for name in workflow}
            )
            if changed:
                self._control_guard_raise({"budget_change": changed})
        locked = [name for name in LOCKED_FIELDS if name in vals]
        submitted = self.filtered(lambda change: change.state != "draft")
        if locked and submitted:
            changed = submitted._control_guard_changed(
                {name: vals[name] for name in locked}
            )
            if changed:
                raise UserError(
                    self.env._(
                        "Budget change %(changes)s is no longer a draft: what it "
                        "asks (%(fields)s) cannot be changed; ask for a new "
                        "change instead.",
                        changes=", ".join(submitted.mapped("display_name")),
                        fields=", ".join(
                            self._fields[name]._description_string(self.env)
                            for name in changed
                        ),
                    )
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        for change in self:
            if change.state != "draft":
                raise UserError(
                    self.env._(
                        "Budget change %(change)s is %(state)s and cannot be "
                        "deleted: it is part of the budget's history.",
                        change=change.display_name,
                        state=change._state_label(),
                    )
                )

    def _control_guarded_fields(self):
        fields_ = super()._control_guarded_fields()
        fields_.update(dict.fromkeys(WORKFLOW_FIELDS, "budget_change"))
        return fields_

    def _control_guard_message(self, guard, field_names):
        if guard != "budget_change":
            return super()._control_guard_message(guard, field_names)
        return self.env._(
            "%(user)s cannot set %(fields)s of budget change %(changes)s: the "
            "reference comes from the sequence and the status from the "
            "workflow (submit, approval).",
            user=self.env.user.name,
            fields=", ".join(
                self._fields[name]._description_string(self.env) for name in field_names
            ),
            changes=", ".join(self.mapped("display_name")) or self._description,
        )

    # Approval engine hooks

    def _approval_get_amount(self):
        self.ensure_one()
        return self.amount

    def _approval_action(self):
        return self._budget_change_apply()

    def _approval_done_states(self):
        return ("applied",)

    def _approval_get_extra_tiers(self):
        # Without an approval rule on budget changes, a budget manager (the
        # engine never lets the requester decide) approves.
        tiers = super()._approval_get_extra_tiers()
        if not self._approval_applicable_rules()[self]:
            tiers.append(
                {
                    "name": self.env._("Budget manager approval"),
                    "group_id": self.env.ref("budget_control.group_budget_manager").id,
                    "user_id": False,
                }
            )
        return tiers

    def _approval_end_round(self, state):
        result = super()._approval_end_round(state)
        if state == "rejected" and self.state == "to_approve":
            self.sudo().write({"state": "rejected"})
            self._budget_change_log(
                self.env["control.log"]._text(
                    _lt(
                        "Budget change %(change)s of %(budget)s (%(type)s, %(amount)s) "
                        "rejected by %(user)s.",
                        change=self.display_name,
                        budget=self.budget_id.display_name,
                        type=self._type_label(),
                        amount=self._amount_label(),
                        user=self.env.user.name,
                    )
                )
            )
        return result

    def _control_transition(self, state, apply):
        """The only way to ``applied``: approved, on confirmed budgets locked
        for the check, none of them below its consumed amount."""
        if state != "applied":
            return super()._control_transition(state, apply)
        for change in self:
            if change.approval_state != "approved":
                change._budget_change_refuse(
                    self.env._(
                        "Budget change %(change)s of %(budget)s cannot be "
                        "applied: its approval is %(approval)s. Submit it to "
                        "the approvers.",
                        change=change.display_name,
                        budget=change.budget_id.display_name,
                        approval=dict(
                            change._fields["approval_state"]._description_selection(
                                self.env
                            )
                        )[change.approval_state],
                    )
                )
        budgets = self.budget_id | self.target_budget_id
        # Two changes (or a change and a purchase order) of one budget applied
        # at once wait for each other; the second one then sees the first.
        self.env["control.log"]._lock_for_check(budgets)
        self._check_change_values(UserError)
        steps = self._budget_change_steps()

        def apply_change():
            result = apply()
            self._budget_change_write(steps)
            return result

        return super()._control_transition(state, apply_change)

    # Actions

    def action_submit(self):
        """Draft -> To Approve, through the approval engine."""
        self.check_access("write")
        wrong = self.filtered(lambda change: change.state != "draft")
        if wrong:
            raise UserError(
                self.env._(
                    "Budget change %(change)s is %(state)s: only a draft can be "
                    "submitted.",
                    change=wrong[0].display_name,
                    state=wrong[0]._state_label(),
                )
            )
        self._check_change_values(UserError)
        self._budget_change_steps()
        self.sudo().write({"state": "to_approve", "requested_by_id": self.env.uid})
        for change in self:
            change._budget_change_log(
                self.env["control.log"]._text(
                    _lt(
                        "Budget change %(change)s of %(budget)s (%(type)s, %(amount)s) "
                        "submitted by %(user)s: %(reason)s",
                        change=change.display_name,
                        budget=change._budgets_label(),
                        type=change._type_label(),
                        amount=change._amount_label(),
                        user=self.env.user.name,
                        reason=change.reason,
                    )
                )
            )
        routed = self._approval_route()
        (self - routed)._budget_change_apply()
        return True

    def action_apply(self):
        """Apply an approved change that could not be applied at its approval
        (a budget was consumed meanwhile): the same checks run again."""
        self.check_access("write")
        wrong = self.filtered(lambda change: change.state != "to_approve")
        if wrong:
            raise UserError(
                self.env._(
                    "Budget change %(change)s is %(state)s: only an approved "
                    "change waiting to be applied can be applied.",
                    change=wrong[0].display_name,
                    state=wrong[0]._state_label(),
                )
            )
        return self._budget_change_apply()

    # Business methods

    def _budget_change_apply(self):
        changes = self.filtered(lambda change: change.state == "to_approve")
        if changes:
            changes.sudo().write(
                {"state": "applied", "applied_date": fields.Datetime.now()}
            )
        return True

    def _budget_change_moves(self):
        """``[(budget, signed amount)]`` that this change writes."""
        self.ensure_one()
        if self.change_type == "increase":
            return [(self.budget_id, self.amount)]
        if self.change_type == "decrease":
            return [(self.budget_id, -self.amount)]
        return [(self.budget_id, -self.amount), (self.target_budget_id, self.amount)]

    def _budget_change_steps(self):
        """``[(change, budget, before, after)]`` of these changes, in order,
        refused if a budget would fall below its consumed amount (actual +
        committed, the figure of the budget itself). One grouped measure for
        all the budgets."""
        budgets = (self.budget_id | self.target_budget_id).sudo()
        consumption = budgets._get_consumption_data()
        running = {budget: budget.amount for budget in budgets}
        steps = []
        for change in self.sorted("id"):
            for budget, delta in change._budget_change_moves():
                budget = budget.sudo()
                before = running[budget]
                after = budget.currency_id.round(before + delta)
                actual, committed = consumption.get(budget.id, (0.0, 0.0))
                consumed = actual + committed
                if (
                    delta < 0
                    and budget.currency_id.compare_amounts(after, consumed) < 0
                ):
                    currency = budget.currency_id
                    change._budget_change_refuse(
                        self.env._(
                            "Budget change %(change)s (%(type)s, %(amount)s) is "
                            "refused: it would take budget %(budget)s from "
                            "%(before)s to %(after)s, below what it has consumed, "
                            "%(consumed)s (actual %(actual)s + committed "
                            "%(committed)s).",
                            change=change.display_name,
                            type=change._type_label(),
                            amount=change._amount_label(),
                            budget=budget.display_name,
                            before=format_amount(self.env, before, currency),
                            after=format_amount(self.env, after, currency),
                            consumed=format_amount(self.env, consumed, currency),
                            actual=format_amount(self.env, actual, currency),
                            committed=format_amount(self.env, committed, currency),
                        )
                    )
                running[budget] = after
                steps.append((change, budget, before, after))
        return steps

    def _budget_change_write(self, steps):
        """Write the planned amounts and the revision lines of ``steps``."""
        finals = {}
        for _change, budget, _before, after in steps:
            finals[budget] = after
        for budget, amount in finals.items():
            budget.sudo().write({"amount": amount})
        deciders = self._budget_change_deciders()
        self.env["control.budget.revision"].sudo().create(
            [
                {
                    "budget_id": budget.id,
                    "change_id": change.id,
                    "amount_before": before,
                    "amount_after": after,
                    "user_id": deciders.get(change.id, self.env.user).id,
                    "company_id": budget.company_id.id,
                }
                for change, budget, before, after in steps
            ]
        )
        for change in self:
            lines = [
                self.env._(
                    "%(budget)s: %(before)s → %(after)s",
                    budget=budget.display_name,
                    before=format_amount(self.env, before, budget.currency_id),
                    after=format_amount(self.env, after, budget.currency_id),
                )
                for step_change, budget, before, after in steps
                if step_change == change
            ]
            message = self.env["control.log"]._text(
                _lt(
                    "Budget change %(change)s (%(type)s, %(amount)s) applied, "
                    "approved by %(approver)s: %(steps)s.",
                    change=change.display_name,
                    type=change._type_label(),
                    amount=change._amount_label(),
                    approver=deciders.get(change.id, self.env.user).name,
                    steps="; ".join(lines),
                )
            )
            change._budget_change_log(message)
            for budget in change.budget_id | change.target_budget_id:
                budget._message_log(body=message)

    def _budget_change_deciders(self):
        """``{change id: user}``: who decided the last tier of each change's
        round (one query for the batch)."""
        requests = (
            self.env["control.approval.request"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", self.ids),
                    ("state", "=", "approved"),
                ],
                order="sequence desc, id desc",
            )
        )
        deciders = {}
        for request in requests:
            deciders.setdefault(request.res_id, request.decided_by_id)
        return deciders

    def _budget_change_log(self, message):
        self.ensure_one()
        self._control_note(message)
        self.env["control.log"]._log("budget_change", self, message, amount=self.amount)

    def _budget_change_refuse(self, message):
        self.ensure_one()
        self.env["control.log"]._log_detached(
            "blocked", self, message, amount=self.amount
        )
        raise UserError(message)

    def _state_label(self):
        self.ensure_one()
        return dict(self._fields["state"]._description_selection(self.env))[self.state]

    def _type_label(self):
        self.ensure_one()
        return dict(self._fields["change_type"]._description_selection(self.env))[
            self.change_type
        ]

    def _amount_label(self):
        self.ensure_one()
        return format_amount(self.env, self.amount, self.currency_id)

    def _budgets_label(self):
        self.ensure_one()
        if self.change_type == "transfer":
            return self.env._(
                "%(budget)s to %(target)s",
                budget=self.budget_id.display_name,
                target=self.target_budget_id.display_name,
            )
        return self.budget_id.display_name
