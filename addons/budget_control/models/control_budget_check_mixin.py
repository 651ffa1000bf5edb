import math

from odoo import api, fields, models
from odoo.addons.sales_internal_control.models.control_tools import action_savepoint
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import float_compare
from odoo.tools.translate import LazyTranslate

from .control_budget import LEVEL_RANK

_lt = LazyTranslate(__name__)


class _BudgetBlocked(Exception):  # noqa: N818
    """Raised inside the check's savepoint to undo the document's action."""


class ControlBudgetCheckMixin(models.AbstractModel):
    """Budget check of a document (purchase order, vendor bill).

    A consumer mixes it in and runs its confirming action through
    :meth:`_budget_run_checked`. The touched budgets are locked and measured
    in one statement; the action runs in a savepoint; the budgets'
    consumption after it is the one before plus the change of the
    document's own share (:meth:`_budget_contribution`, computed from its
    values), or, for a consumer that cannot compute it, measured again; a
    budget that reaches
    the red threshold because of the document undoes the action and raises
    ``UserError`` (unless a budget manager released the document for its current
    amount); a budget that crosses yellow or orange writes a ``threshold`` log
    line and schedules an activity for its owner, once per crossing.
    """

    _name = "control.budget.check.mixin"
    _inherit = ["control.guarded.mixin"]
    _description = "Budget Check Mixin"

    budget_release_amount = fields.Float(
        copy=False,
        readonly=True,
        help="Total of the document when a budget manager released it; the "
        "release is void if the total rises above it.",
    )
    budget_release_reason = fields.Text(copy=False, readonly=True)

    # A release is given by action_budget_release only (checked on the final
    # values of create, after defaults, and on write).

    def _control_guarded_fields(self):
        fields_ = super()._control_guarded_fields()
        fields_.update(budget_release_amount="engine", budget_release_reason="engine")
        return fields_

    def _control_guard_message(self, guard, field_names):
        if not {"budget_release_amount", "budget_release_reason"} & set(field_names):
            return super()._control_guard_message(guard, field_names)
        return self.env._(
            "A budget release of %(documents)s is given by a budget manager with "
            "Release Budget Block, not written directly (user %(user)s).",
            documents=", ".join(self.mapped("display_name")) or self._description,
            user=self.env.user.name,
        )

    # Hooks for the consumers

    def _budget_lines(self):
        """Lines carrying an analytic distribution."""
        raise NotImplementedError()

    def _budget_documents_to_check(self):
        return self

    def _budget_document_amount(self):
        self.ensure_one()
        return self.amount_total

    # Approval context (what the approver of the document sees)

    def _budget_request_context(self, date):
        """A section of the approval request: the confirmed budgets the
        document's lines touch (whose period holds ``date``), with their
        consumption before this document and their alert level."""
        self.ensure_one()
        budgets = self._budget_candidate_budgets()
        if date:
            budgets = budgets.filtered(
                lambda budget: budget.date_from <= date <= budget.date_to
            )
        if not budgets:
            return []
        levels = dict(
            self.env["control.budget"]
            ._fields["alert_level"]
            ._description_selection(self.env)
        )
        worst = max(budgets.mapped(lambda b: LEVEL_RANK.get(b.alert_level, 0)))
        rows = []
        for budget in budgets:
            pct = f"{budget.consumed_pct:.1f}"
            rows.append(
                (
                    budget.display_name,
                    self.env._(
                        "%(consumed)s of %(planned)s (%(pct)s %%), %(level)s",
                        consumed=budget.currency_id.format(budget.consumed_amount),
                        planned=budget.currency_id.format(budget.amount),
                        pct=pct,
                        level=levels.get(budget.alert_level, budget.alert_level),
                    ),
                )
            )
        return [
            {
                "title": self.env._("Budgets this document consumes"),
                "level": ("success", "info", "warning", "danger")[worst],
                "rows": rows,
            }
        ]

    def _budget_contribution(self, budgets):
        """``{budget id: amount}``: what the documents themselves count in
        ``budgets`` (``{budget id: (analytic account id, company id, UTC
        start, UTC stop)}``), from their current values, without a query;
        or ``False`` when the consumer's action also moves amounts of other
        records (a vendor bill moves its orders' commitments): the budgets
        are then measured again after the action."""
        return False

    # Release

    def action_budget_release(self, reason, amount=None):
        """Let the document pass a red budget once, up to ``amount``.

        ``amount`` is the total the release covers: by default the document's
        current total; a larger one releases a raise still to come (a line
        added to a confirmed order, say). It may not be below the current
        total.
        """
        if not self.env.user.has_group("budget_control.group_budget_manager"):
            raise AccessError(
                self.env._(
                    "Only budget managers may release a budget block (user %(user)s).",
                    user=self.env.user.name,
                )
            )
        reason = reason.strip() if isinstance(reason, str) else ""
        if not reason:
            raise UserError(
                self.env._("A reason is required to release a budget block.")
            )
        if amount is not None and (
            isinstance(amount, bool)
            or not isinstance(amount, int | float)
            or not math.isfinite(amount)
        ):
            raise UserError(
                self.env._(
                    "The budget release of %(documents)s needs a finite amount "
                    "(got %(amount)s).",
                    documents=", ".join(self.mapped("display_name")),
                    amount=repr(amount),
                )
            )
        self._sod_check_decider(action=self.env._("release"))
        for document in self:
            current = document._budget_document_amount()
            released = current if amount is None else amount
            currency = document.currency_id
            if amount is not None and (
                currency.compare_amounts(released, 0.0) <= 0
                or currency.compare_amounts(released, current) < 0
            ):
                raise UserError(
                    self.env._(
                        "The budget release of %(document)s must cover at least "
                        "its current total %(current)s %(currency)s and be "
                        "positive (got %(amount)s).",
                        document=document.display_name,
                        current=current,
                        currency=currency.name,
                        amount=released,
                    )
                )
            document.sudo().write(
                {"budget_release_amount": released, "budget_release_reason": reason}
            )
            message = self.env["control.log"]._text(
                _lt(
                    "Budget block released for %(document)s at %(amount)s %(currency)s "
                    "by %(user)s: %(reason)s",
                    document=document.display_name,
                    amount=released,
                    currency=currency.name,
                    user=self.env.user.name,
                    reason=reason,
                )
            )
            self.env["control.log"]._log("override", document, message, amount=released)
            document._message_log(body=message)
        return True

    def _budget_release_valid(self):
        self.ensure_one()
        released = self.budget_release_amount
        if not released:
            return False
        currency = self.currency_id
        return currency.compare_amounts(self._budget_document_amount(), released) <= 0

    # The check

    @api.model
    def _budget_distribution_account_ids(self, distribution):
        """Analytic account ids of a distribution (keys such as "12" or "12,15")."""
        account_ids = set()
        for key in distribution or {}:
            account_ids.update(int(i) for i in str(key).split(",") if i.isdigit())
        return account_ids

    @api.model
    def _budget_check_distribution(
        self, distribution, document, line, finite_only=False
    ):
        """Refuse percentages of ``distribution`` that are not finite numbers
        (or, unless ``finite_only``, that are negative): a negative share
        would free budget. ``document`` and ``line`` name the line."""
        for key, pct in (distribution or {}).items():
            is_number = isinstance(pct, int | float) and not isinstance(pct, bool)
            if is_number and math.isfinite(pct) and (finite_only or pct >= 0):
                continue
            accounts = self.env["account.analytic.account"].browse(
                int(i) for i in str(key).split(",") if i.isdigit()
            )
            shown = format(pct, "g") if is_number else repr(pct)
            raise ValidationError(
                self.env._(
                    "%(document)s, line %(line)s: the analytic distribution "
                    "percentage %(percentage)s on %(accounts)s is refused; "
                    "percentages are finite numbers of 0 or more.",
                    document=document or "",
                    line=line or "",
                    percentage=shown,
                    accounts=" / ".join(accounts.sudo().exists().mapped("display_name"))
                    or key,
                )
            )

    @api.model
    def _budget_check_line_values(self, lines, vals, parent_field):
        """Refuse non-finite percentages in the ``vals`` of ``lines``
        (purchase lines, journal items) before Odoo rounds them (NaN or
        infinity end there in a traceback). ``parent_field`` names the
        document of a line; new lines are named from ``vals``."""
        if not vals.get("analytic_distribution"):
            return
        if lines:
            document = ", ".join(lines[parent_field].mapped("display_name"))
            line = ", ".join(name for name in lines.mapped("name") if name)
        else:
            parent_model = lines._fields[parent_field].comodel_name
            document = (
                self.env[parent_model].browse(vals.get(parent_field)).display_name
            )
            line = (
                vals.get("name")
                or self.env["product.product"]
                .browse(vals.get("product_id"))
                .display_name
            )
        self._budget_check_distribution(
            vals["analytic_distribution"], document, line, finite_only=True
        )

    def _budget_account_ids(self, extra_account_ids=None):
        account_ids = set(extra_account_ids or ())
        for line in self._budget_lines():
            account_ids |= self._budget_distribution_account_ids(
                line.analytic_distribution
            )
        return account_ids

    def _budget_candidate_budgets(self, extra_account_ids=None):
        """Confirmed budgets on the accounts of the lines (and of
        ``extra_account_ids``: accounts a pending change moves amounts to)."""
        account_ids = self._budget_account_ids(extra_account_ids)
        if not account_ids:
            return self.env["control.budget"].sudo()
        return (
            self.env["control.budget"]
            .sudo()
            .search(
                [
                    ("state", "=", "confirmed"),
                    ("analytic_account_id", "in", list(account_ids)),
                    ("company_id", "in", self.company_id.ids),
                ]
            )
        )

    def _budget_lock_and_measure(self, account_ids):
        """Lock and measure, in one statement, the confirmed budgets of the
        documents' companies on ``account_ids``: ``(budgets, {budget id:
        consumed}, {budget id: (account id, company id, UTC start, UTC
        stop)}, {budget id: (company id, planned amount, last notified
        level, currency rounding)})``. The statement is the database
        function of control_budget_total.py: it reads the budgets' figures
        from ``control_budget_total``, or measures them by the definition
        (``control.budget._consumption_query``) while they are unknown."""
        self.env.flush_all()
        Budget = self.env["control.budget"].sudo()
        self.env.cr.execute(
            Budget._lock_and_measure_query(account_ids, self.company_id.ids)
        )
        consumed, periods, planned = {}, {}, {}
        for row in self.env.cr.fetchall():
            budget_id, actual, committed, start, stop, account_id, company_id = row[:7]
            consumed[budget_id] = float(actual or 0.0) + float(committed or 0.0)
            periods[budget_id] = (account_id, company_id, start, stop)
            planned[budget_id] = (
                company_id,
                float(row[7] or 0.0),
                row[8] or "green",
                float(row[9]),
            )
        return Budget.browse(sorted(consumed)), consumed, periods, planned

    @api.model
    def _budget_to_report(self, planned, before, after):
        """Ids of the budgets whose change needs a block, a notification or
        a write (:meth:`_budget_blocks`, :meth:`_budget_after_pass`), from
        ``planned`` (``{budget id: (company id, planned amount, last
        notified level, rounding of the company's currency)}``) and the
        figures alone: the others are not read."""
        Budget = self.env["control.budget"]
        budget_ids = set()
        for budget_id, (company_id, amount, last_level, rounding) in planned.items():
            company = self.env["res.company"].browse(company_id)
            old = before.get(budget_id, 0.0)
            new = after.get(budget_id, 0.0)
            # The company currency's compare_amounts, its rounding read with
            # the budgets.
            direction = float_compare(new, old, precision_rounding=rounding)
            if direction == 0:
                continue
            level = Budget._level_at(company, new / amount * 100.0 if amount else 0.0)
            old_level = Budget._level_at(
                company, old / amount * 100.0 if amount else 0.0
            )
            if direction > 0 and (
                level == "red" or LEVEL_RANK[level] > LEVEL_RANK[old_level]
            ):
                budget_ids.add(budget_id)
            elif LEVEL_RANK[level] < LEVEL_RANK[last_level]:
                budget_ids.add(budget_id)
        return budget_ids

    def _budget_run_checked(self, action, extra_account_ids=None, measure=False):
        """Run ``action()`` (the document's super call) under the budget check.

        ``extra_account_ids``: analytic accounts the action moves amounts to
        that the document's lines do not carry yet. ``measure``: measure the
        budgets again after the action instead of computing the documents'
        share (the action moves amounts of other documents).
        """
        documents = self._budget_documents_to_check()
        account_ids = documents._budget_account_ids(extra_account_ids)
        if not account_ids:
            return action()
        budgets, before, periods, planned = documents._budget_lock_and_measure(
            account_ids
        )
        if not budgets:
            return action()
        own_before = False if measure else documents._budget_contribution(periods)
        # Names before the action: a bill gets its number while posting.
        names = ", ".join(documents.mapped("display_name"))
        blocks = []
        try:
            # Not cr.savepoint(): the state change being written must keep
            # its tracking in the chatter (see action_savepoint).
            with action_savepoint(self.env.cr):
                result = action()
                if own_before is False:
                    after = budgets._get_consumption_map()
                else:
                    own_after = documents._budget_contribution(periods)
                    after = {
                        budget_id: amount
                        - own_before.get(budget_id, 0.0)
                        + own_after.get(budget_id, 0.0)
                        for budget_id, amount in before.items()
                    }
                budgets = budgets.browse(
                    sorted(self._budget_to_report(planned, before, after))
                )
                blocks = documents._budget_blocks(budgets, before, after, names)
                if blocks:
                    raise _BudgetBlocked()
        except _BudgetBlocked:
            messages = [message for _budget, message, _delta in blocks]
            # One block keeps its source (read in each reader's language).
            message = messages[0] if len(messages) == 1 else "\n".join(messages)
            delta = sum(delta for _budget, _message, delta in blocks)
            self.env["control.log"]._log_detached(
                "blocked", documents, message, amount=delta
            )
            raise UserError(message) from None
        documents._budget_after_pass(budgets, before, after)
        return result

    def _budget_blocks(self, budgets, before, after, names):
        """Return [(budget, message, delta)] for the red budgets not released."""
        released = all(document._budget_release_valid() for document in self)
        blocks = []
        for budget in budgets:
            old = before.get(budget.id, 0.0)
            new = after.get(budget.id, 0.0)
            currency = budget.currency_id
            if currency.compare_amounts(new, old) <= 0:
                continue
            new_pct = budget._pct_of(new)
            if budget._level_of(new_pct) != "red" or released:
                continue
            old_pct = budget._pct_of(old)
            delta = new - old
            before_pct = f"{old_pct:.2f}"
            after_pct = f"{new_pct:.2f}"
            threshold = budget.company_id._control_setting("budget_red_pct")
            threshold = f"{threshold:.2f}"
            planned = currency.format(budget.amount)
            added = currency.format(delta)
            blocks.append(
                (
                    budget,
                    self.env["control.log"]._text(
                        _lt(
                            "%(documents)s is blocked by budget %(budget)s: its "
                            "consumption would go from %(before)s%% to %(after)s%% "
                            "(red threshold %(threshold)s%%, planned amount "
                            "%(planned)s, this document adds %(added)s). A budget "
                            "manager can release the document.",
                            documents=names,
                            budget=budget.display_name,
                            before=before_pct,
                            after=after_pct,
                            threshold=threshold,
                            planned=planned,
                            added=added,
                        )
                    ),
                    delta,
                )
            )
        return blocks

    def _budget_after_pass(self, budgets, before, after):
        """Threshold notifications and release bookkeeping after a pass.

        A crossing is measured on this document's change alone: consumption
        rose and its level after the change ranks above its level before, so
        a raise of the planned amount or a cancelled order in between never
        hides (nor repeats) a notification.
        """
        Log = self.env["control.log"]
        released_used = False
        for budget in budgets:
            old = before.get(budget.id, 0.0)
            new = after.get(budget.id, 0.0)
            currency = budget.currency_id
            direction = currency.compare_amounts(new, old)
            if direction == 0:
                continue
            new_pct = budget._pct_of(new)
            level = budget._level_of(new_pct)
            old_level = budget._level_of(budget._pct_of(old))
            if level == "red" and direction > 0:
                # Passed red (already red or not): only under a release,
                # which is used up now.
                released_used = True
            if direction < 0 or LEVEL_RANK[level] <= LEVEL_RANK[old_level]:
                if LEVEL_RANK[level] < LEVEL_RANK[budget.last_alert_level or "green"]:
                    # Display only: the notified level follows a decrease.
                    budget.last_alert_level = level
                continue
            old_pct = f"{budget._pct_of(old):.2f}"
            pct = f"{new_pct:.2f}"
            documents = ", ".join(self.mapped("display_name"))
            if level == "red":
                message = self.env["control.log"]._text(
                    _lt(
                        "%(documents)s took budget %(budget)s to %(pct)s%% (from "
                        "%(before)s%%) under a budget manager's release.",
                        documents=documents,
                        budget=budget.display_name,
                        pct=pct,
                        before=old_pct,
                    )
                )
                Log._log("override", self, message, amount=new - old)
            else:
                threshold = (
                    budget.company_id._control_setting("budget_yellow_pct")
                    if level == "yellow"
                    else budget.company_id._control_setting("budget_orange_pct")
                )
                threshold_str = f"{threshold:.2f}"
                level_label = dict(
                    budget._fields["alert_level"]._description_selection(self.env)
                )[level]
                message = self.env["control.log"]._text(
                    _lt(
                        "Budget %(budget)s crossed the %(level)s threshold "
                        "(%(threshold)s%%): consumption went from %(before)s%% to "
                        "%(pct)s%% with %(documents)s.",
                        budget=budget.display_name,
                        level=level_label,
                        threshold=threshold_str,
                        before=old_pct,
                        pct=pct,
                        documents=documents,
                    )
                )
                Log._log("threshold", self, message, amount=new - old)
                if budget.user_id:
                    budget.activity_schedule(
                        "mail.mail_activity_data_todo",
                        user_id=budget.user_id.id,
                        summary=self.env._(
                            "Budget %(budget)s is %(level)s",
                            budget=budget.name,
                            level=level_label,
                        ),
                        note=message,
                    )
                budget._message_log(body=message)
            budget.last_alert_level = level
        if released_used:
            self.sudo().write({"budget_release_amount": 0.0})
