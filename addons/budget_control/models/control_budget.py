import math
from datetime import date, datetime, time, timedelta

import pytz
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

ALERT_LEVELS = [
    ("green", "Green"),
    ("yellow", "Yellow"),
    ("orange", "Orange"),
    ("red", "Red"),
]
LEVEL_RANK = {"green": 0, "yellow": 1, "orange": 2, "red": 3}


class ControlBudget(models.Model):
    """A planned amount for one analytic account over a period.

    Consumption = actuals (posted journal items on the account, by analytic
    distribution) + commitments (confirmed purchase lines not yet billed).
    Both are computed live with grouped SQL for any number of budgets.
    """

    _name = "control.budget"
    _description = "Budget"
    _inherit = ["mail.thread", "mail.activity.mixin", "control.guarded.mixin"]
    _order = "date_from desc, name"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        tracking=True,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    analytic_account_id = fields.Many2one(
        "account.analytic.account",
        required=True,
        index=True,
        check_company=True,
        tracking=True,
    )
    date_from = fields.Date(string="Start Date", required=True, tracking=True)
    date_to = fields.Date(string="End Date", required=True, tracking=True)
    amount = fields.Monetary(
        string="Planned Amount",
        required=True,
        tracking=True,
        help="Planned amount in the company currency.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        default=lambda self: self.env.user,
        tracking=True,
        help="Receives the alerts when the budget crosses a threshold.",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("confirmed", "Confirmed"), ("done", "Done")],
        default="draft",
        required=True,
        copy=False,
        index=True,
        tracking=True,
    )
    note = fields.Html()
    actual_amount = fields.Monetary(
        string="Actual", compute="_compute_consumption", compute_sudo=True
    )
    committed_amount = fields.Monetary(
        string="Committed", compute="_compute_consumption", compute_sudo=True
    )
    consumed_amount = fields.Monetary(
        string="Consumed", compute="_compute_consumption", compute_sudo=True
    )
    remaining_amount = fields.Monetary(
        string="Remaining", compute="_compute_consumption", compute_sudo=True
    )
    consumed_pct = fields.Float(
        string="Consumed (%)", compute="_compute_consumption", compute_sudo=True
    )
    alert_level = fields.Selection(
        ALERT_LEVELS, compute="_compute_consumption", compute_sudo=True
    )
    last_alert_level = fields.Selection(
        ALERT_LEVELS,
        string="Last Notified Level",
        default="green",
        copy=False,
        readonly=True,
        help="Level of the last threshold notification, lowered when the "
        "consumption goes down (for information; a crossing is measured on "
        "each document's own change).",
    )

    parent_id = fields.Many2one(
        "control.budget",
        string="Parent Budget",
        index=True,
        ondelete="restrict",
        check_company=True,
        help="The budget this one was split from (a year for its quarters); "
        "a document consumes every confirmed budget whose period holds its "
        "date, the parent and its children alike.",
    )
    child_ids = fields.One2many("control.budget", "parent_id", string="Sub-budgets")
    revision_ids = fields.One2many(
        "control.budget.revision", "budget_id", string="Revisions", readonly=True
    )
    change_ids = fields.One2many(
        "control.budget.change", "budget_id", string="Change Requests", readonly=True
    )
    change_count = fields.Integer(compute="_compute_change_count")

    def _compute_change_count(self):
        data = dict(
            self.env["control.budget.change"]._read_group(
                [("budget_id", "in", self._origin.ids)],
                ["budget_id"],
                ["__count"],
            )
        )
        targets = dict(
            self.env["control.budget.change"]._read_group(
                [("target_budget_id", "in", self._origin.ids)],
                ["target_budget_id"],
                ["__count"],
            )
        )
        for budget in self:
            budget.change_count = data.get(budget._origin, 0) + targets.get(
                budget._origin, 0
            )

    @api.depends("amount", "date_from", "date_to", "analytic_account_id", "company_id")
    def _compute_consumption(self):
        data = self._origin._get_consumption_data()
        for budget in self:
            actual, committed = data.get(budget._origin.id, (0.0, 0.0))
            consumed = actual + committed
            budget.actual_amount = actual
            budget.committed_amount = committed
            budget.consumed_amount = consumed
            budget.remaining_amount = budget.amount - consumed
            budget.consumed_pct = budget._pct_of(consumed)
            budget.alert_level = budget._level_of(budget.consumed_pct)

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for budget in self:
            if (
                budget.date_from
                and budget.date_to
                and budget.date_from > budget.date_to
            ):
                raise ValidationError(
                    self.env._(
                        "Budget %(budget)s: the start date %(date_from)s is after "
                        "the end date %(date_to)s.",
                        budget=budget.display_name,
                        date_from=budget.date_from,
                        date_to=budget.date_to,
                    )
                )

    @api.constrains("amount")
    def _check_amount(self):
        for budget in self:
            if not math.isfinite(budget.amount) or budget.amount <= 0:
                raise ValidationError(
                    self.env._(
                        "Budget %(budget)s: the planned amount must be positive "
                        "(got %(amount)s).",
                        budget=budget.display_name,
                        amount=budget.amount,
                    )
                )

    @api.constrains(
        "state", "analytic_account_id", "company_id", "date_from", "date_to"
    )
    def _check_overlap(self):
        """Confirmed budgets of one account and company nest or are disjoint.

        A year and its quarters nest (a document consumes each budget whose
        period holds its date); January-June and April-December would count
        the same spend twice under contradicting amounts.
        """
        confirmed = self.filtered(lambda budget: budget.state == "confirmed")
        if not confirmed:
            return
        # Two confirmations racing on one account wait for each other.
        self.env["control.log"]._lock_for_check(confirmed.analytic_account_id)
        others = self.sudo().search(
            [
                ("state", "=", "confirmed"),
                ("analytic_account_id", "in", confirmed.analytic_account_id.ids),
                ("company_id", "in", confirmed.company_id.ids),
            ]
        )
        for budget in confirmed:
            clashes = others.filtered(
                lambda other, budget=budget: (
                    other != budget
                    and other.analytic_account_id == budget.analytic_account_id
                    and other.company_id == budget.company_id
                    and other.date_from <= budget.date_to
                    and budget.date_from <= other.date_to
                    and not (
                        other.date_from <= budget.date_from
                        and budget.date_to <= other.date_to
                    )
                    and not (
                        budget.date_from <= other.date_from
                        and other.date_to <= budget.date_to
                    )
                )
            )
            if clashes:
                raise ValidationError(
                    self.env._(
                        "Budget %(budget)s (%(date_from)s to %(date_to)s) overlaps "
                        "the confirmed budget(s) %(others)s of analytic account "
                        "%(account)s without one containing the other: the same "
                        "spend would count under both. Budgets of one account "
                        "may nest (a year and its quarters) but not overlap.",
                        budget=budget.display_name,
                        date_from=budget.date_from,
                        date_to=budget.date_to,
                        others=", ".join(
                            f"{other.display_name} ({other.date_from} - "
                            f"{other.date_to})"
                            for other in clashes
                        ),
                        account=budget.analytic_account_id.display_name,
                    )
                )

    @api.constrains(
        "parent_id", "analytic_account_id", "company_id", "date_from", "date_to"
    )
    def _check_parent(self):
        for budget in self.filtered("parent_id"):
            parent = budget.parent_id
            if (
                parent.analytic_account_id != budget.analytic_account_id
                or parent.company_id != budget.company_id
                or budget.date_from < parent.date_from
                or budget.date_to > parent.date_to
                or parent == budget
            ):
                raise ValidationError(
                    self.env._(
                        "Budget %(budget)s (%(account)s, %(date_from)s to "
                        "%(date_to)s) must lie within its parent budget "
                        "%(parent)s (%(parent_account)s, %(parent_from)s to "
                        "%(parent_to)s), on the same analytic account.",
                        budget=budget.display_name,
                        account=budget.analytic_account_id.display_name,
                        date_from=budget.date_from,
                        date_to=budget.date_to,
                        parent=parent.display_name,
                        parent_account=parent.analytic_account_id.display_name,
                        parent_from=parent.date_from,
                        parent_to=parent.date_to,
                    )
                )

    # CRUD

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_amount_value(vals, vals.get("name"))
        budgets = super().create(vals_list)
        budgets.filtered(lambda budget: budget.state == "confirmed")._add_revisions()
        return budgets

    def write(self, vals):
        if "amount" in vals:
            self._check_amount_value(vals, ", ".join(self.mapped("display_name")))
        confirming = (
            self.filtered(lambda budget: budget.state != "confirmed")
            if vals.get("state") == "confirmed"
            else self.browse()
        )
        result = super().write(vals)
        confirming._add_revisions()
        return result

    def _add_revisions(self):
        """The planned amount of a first confirmation starts the history."""
        first = self.sudo().filtered(lambda budget: not budget.revision_ids)
        if first:
            self.env["control.budget.revision"].sudo().create(
                [
                    {
                        "budget_id": budget.id,
                        "amount_before": 0.0,
                        "amount_after": budget.amount,
                        "user_id": self.env.uid,
                        "company_id": budget.company_id.id,
                    }
                    for budget in first
                ]
            )

    # Once confirmed, the planned amount changes through approved change
    # requests only (control.budget.change), whoever writes it, the
    # administrator included; back in draft it stays as confirmed.

    def _control_guarded_fields(self):
        fields_ = super()._control_guarded_fields()
        fields_["amount"] = "budget_amount"
        return fields_

    def _control_guard_allowed(self, guard):
        if guard != "budget_amount":
            return super()._control_guard_allowed(guard)
        return self.env.su or not self.sudo().filtered(
            lambda budget: budget.state != "draft" or budget.revision_ids
        )

    def _control_guard_message(self, guard, field_names):
        if guard != "budget_amount":
            return super()._control_guard_message(guard, field_names)
        locked = self.sudo().filtered(
            lambda budget: budget.state != "draft" or budget.revision_ids
        )
        return self.env._(
            "The planned amount of budget %(budgets)s (%(amount)s) was confirmed: "
            "it changes only through a budget change request approved by a "
            "budget manager (Budgets > Change Requests), not directly (user "
            "%(user)s).",
            budgets=", ".join(locked.mapped("display_name")),
            amount=", ".join(str(amount) for amount in locked.mapped("amount")),
            user=self.env.user.name,
        )

    @api.model
    def _check_amount_value(self, vals, name):
        """Refuse a planned amount that is not a finite number before it is
        rounded (rounding NaN or infinity ends in a traceback)."""
        if "amount" not in vals:
            return
        amount = vals["amount"]
        if (
            isinstance(amount, bool)
            or not isinstance(amount, int | float)
            or not math.isfinite(amount)
        ):
            raise ValidationError(
                self.env._(
                    "Budget %(budget)s: the planned amount must be a finite "
                    "number (got %(amount)s).",
                    budget=name or "",
                    amount=repr(amount),
                )
            )

    def _state_label(self):
        self.ensure_one()
        return dict(self._fields["state"]._description_selection(self.env))[self.state]

    # Actions

    def action_confirm(self):
        self.write({"state": "confirmed"})
        return True

    def action_done(self):
        self.write({"state": "done"})
        return True

    def action_draft(self):
        self.write({"state": "draft"})
        return True

    def action_split_quarters(self):
        return self.action_split("quarter")

    def action_split_months(self):
        return self.action_split("month")

    def action_split(self, period="quarter"):
        """Create draft sub-budgets, one per quarter or month of each budget.

        The planned amount is shared by the number of days of each part
        (the last part takes the rounding); the owner confirms them after
        adjusting the amounts. Confirmed, a document then consumes the
        budget and the part that holds its date; the tightest decides.

        :return: the action listing the new sub-budgets
        """
        if period not in ("quarter", "month"):
            raise UserError(
                self.env._(
                    "A budget is split into quarters or months (got %(period)s).",
                    period=repr(period),
                )
            )
        self.check_access("write")
        children_vals = []
        for budget in self:
            if budget.state == "done":
                raise UserError(
                    self.env._(
                        "Budget %(budget)s is closed: it cannot be split.",
                        budget=budget.display_name,
                    )
                )
            if budget.child_ids:
                raise UserError(
                    self.env._(
                        "Budget %(budget)s is split already (%(children)s).",
                        budget=budget.display_name,
                        children=", ".join(budget.child_ids.mapped("display_name")),
                    )
                )
            parts = budget._split_periods(period)
            if len(parts) < 2:
                raise UserError(
                    self.env._(
                        "Budget %(budget)s (%(date_from)s to %(date_to)s) covers "
                        "a single %(period)s: there is nothing to split.",
                        budget=budget.display_name,
                        date_from=budget.date_from,
                        date_to=budget.date_to,
                        period=dict(
                            quarter=self.env._("quarter"), month=self.env._("month")
                        )[period],
                    )
                )
            currency = budget.currency_id
            total_days = (budget.date_to - budget.date_from).days + 1
            allotted = 0.0
            for index, (start, stop, label) in enumerate(parts):
                if index == len(parts) - 1:
                    amount = currency.round(budget.amount - allotted)
                else:
                    days = (stop - start).days + 1
                    amount = currency.round(budget.amount * days / total_days)
                allotted += amount
                children_vals.append(
                    {
                        "name": self.env._(
                            "%(budget)s %(part)s", budget=budget.name, part=label
                        ),
                        "parent_id": budget.id,
                        "analytic_account_id": budget.analytic_account_id.id,
                        "company_id": budget.company_id.id,
                        "user_id": budget.user_id.id,
                        "date_from": start,
                        "date_to": stop,
                        # A part of a budget of 0.01 may round to nothing.
                        "amount": max(amount, currency.rounding),
                    }
                )
        # The owner is not told of an assignment (a message that needs the
        # splitting user's e-mail address): the parent's owner keeps them.
        children = self.with_context(mail_auto_subscribe_no_notify=True).create(
            children_vals
        )
        for budget in self:
            budget._message_log(
                body=self.env._(
                    "Split into %(children)s by %(user)s.",
                    children=", ".join(
                        children.filtered(
                            lambda child, budget=budget: child.parent_id == budget
                        ).mapped("name")
                    ),
                    user=self.env.user.name,
                )
            )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Sub-budgets"),
            "res_model": "control.budget",
            "view_mode": "list,form",
            "domain": [("id", "in", children.ids)],
            "context": {"create": False},
        }

    def _split_periods(self, period):
        """``[(start, stop, label)]``: the quarters or months of the budget's
        period, the first and last cut to its dates."""
        self.ensure_one()
        step = 3 if period == "quarter" else 1
        parts = []
        start = self.date_from
        while start <= self.date_to:
            first_month = (start.month - 1) // step * step + 1
            period_start = date(start.year, first_month, 1)
            stop = min(period_start + relativedelta(months=step, days=-1), self.date_to)
            if period == "quarter":
                label = f"Q{(first_month - 1) // 3 + 1} {start.year}"
            else:
                label = f"{start.year}-{start.month:02d}"
            parts.append((start, stop, label))
            start = stop + timedelta(days=1)
        return parts

    def action_view_changes(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Change Requests"),
            "res_model": "control.budget.change",
            "view_mode": "list,form",
            "domain": [
                "|",
                ("budget_id", "=", self.id),
                ("target_budget_id", "=", self.id),
            ],
            "context": {"default_budget_id": self.id},
        }

    def action_view_purchase_lines(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Committed purchase lines"),
            "res_model": "purchase.order.line",
            "view_mode": "list,form",
            "domain": [("id", "in", self.sudo()._get_committed_line_ids())],
            "context": {"create": False},
        }

    def action_view_analytic_lines(self):
        self.ensure_one()
        column = self.analytic_account_id.root_plan_id._column_name()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Actual journal items"),
            "res_model": "account.analytic.line",
            "view_mode": "list,form,pivot",
            "domain": [
                (column, "=", self.analytic_account_id.id),
                ("company_id", "=", self.company_id.id),
                ("date", ">=", self.date_from),
                ("date", "<=", self.date_to),
                ("move_line_id", "!=", False),
                ("category", "!=", "invoice"),
            ],
            "context": {"create": False},
        }

    def action_export_xlsx(self):
        """Budget vs actual, as an Excel file (all visible budgets if none):
        alert levels in their colours, totals per currency of the budgets
        that are not sub-budgets (a parent counts its sub-budgets' spend)."""
        budgets = self or self.search([])
        levels = dict(self._fields["alert_level"]._description_selection(self.env))
        colors = self.env["control.xlsx.export"]._xlsx_level_colors()
        total = {"total": True}
        headers = [
            (self.env._("Budget"), "text"),
            (self.env._("Parent Budget"), "text"),
            (self.env._("Analytic Account"), "text"),
            (self.env._("Start Date"), "date"),
            (self.env._("End Date"), "date"),
            (self.env._("Owner"), "text"),
            (self.env._("Status"), "text"),
            (self.env._("Planned Amount"), "monetary", total),
            (self.env._("Actual"), "monetary", total),
            (self.env._("Committed"), "monetary", total),
            (self.env._("Consumed"), "monetary", total),
            (self.env._("Remaining"), "monetary", total),
            (self.env._("Consumed (%)"), "percent"),
            (
                self.env._("Alert Level"),
                "text",
                {"colors": {levels[key]: color for key, color in colors.items()}},
            ),
            (self.env._("Currency"), "text"),
            (self.env._("Company"), "text"),
        ]
        return self.env["control.xlsx.export"]._xlsx_action(
            "budget_vs_actual.xlsx",
            self.env._("Budget vs Actual"),
            headers,
            budgets._xlsx_rows(),
            total_by=14,
            total_skip=1,
        )

    def _xlsx_rows(self):
        states = dict(self._fields["state"]._description_selection(self.env))
        levels = dict(self._fields["alert_level"]._description_selection(self.env))
        return [
            (
                budget.name,
                budget.parent_id.name or "",
                budget.analytic_account_id.display_name,
                budget.date_from,
                budget.date_to,
                budget.user_id.name or "",
                states.get(budget.state, budget.state),
                budget.amount,
                budget.actual_amount,
                budget.committed_amount,
                budget.consumed_amount,
                budget.remaining_amount,
                budget.consumed_pct,
                levels.get(budget.alert_level, budget.alert_level),
                budget.currency_id.name,
                budget.company_id.name,
            )
            for budget in self
        ]

    # Business methods

    def _pct_of(self, consumed):
        self.ensure_one()
        return consumed / self.amount * 100.0 if self.amount else 0.0

    def _level_of(self, pct):
        self.ensure_one()
        company = self.company_id
        if pct >= company.budget_red_pct:
            return "red"
        if pct >= company.budget_orange_pct:
            return "orange"
        if pct >= company.budget_yellow_pct:
            return "yellow"
        return "green"

    def _get_consumption_data(self):
        """Return {budget id: (actual, committed)} in company currency.

        A constant number of queries whatever the number of budgets, plans,
        journal items and purchase lines: one grouped query for the actuals
        and one for the commitments.
        """
        budgets = self.filtered("id")
        if not budgets:
            return {}
        self.env.flush_all()
        actual = self._get_actual_data(budgets)
        committed = self._get_committed_data(budgets)
        return {
            budget_id: (actual.get(budget_id, 0.0), committed.get(budget_id, 0.0))
            for budget_id in budgets.ids
        }

    @api.model
    def _get_actual_data(self, budgets):
        """Posted journal items on the budget's analytic account, by distribution.

        Read from the journal items themselves (their balance, in company
        currency, times the distribution percentage of every key naming the
        budget's account: "12" or, across plans, "12,15"), not from their
        analytic lines, which a billing clerk may edit or delete. One query
        for any number of budgets and plans, driven by Odoo's index on the
        distribution's keys. Expenses are debits, refunds reduce the sum; a
        negative percentage counts as nothing. Sales documents (customer
        invoices, refunds and receipts) are left out.
        """
        aml = self.env["account.move.line"]
        account_ids = [str(i) for i in budgets.sudo().analytic_account_id.ids]
        self.env.cr.execute(
            self._actual_sql(
                SQL(
                    "budget.id IN %(ids)s AND %(accounts_query)s && %(account_ids)s",
                    ids=tuple(budgets.ids),
                    accounts_query=aml._query_analytic_accounts("aml"),
                    account_ids=account_ids,
                )
            )
        )
        return {
            budget_id: float(amount or 0.0)
            for budget_id, amount in self.env.cr.fetchall()
        }

    @api.model
    def _actual_sql(self, budget_filter):
        """SQL of the actuals, one row ``(budget_id, amount)`` per budget
        matching ``budget_filter`` (a condition on ``budget`` and ``aml``):
        the one definition the budget check and the analysis report read."""
        return SQL(
            """
            SELECT budget.id AS budget_id,
                   SUM(aml.balance * GREATEST(dist.value::numeric, 0) / 100)
                   AS amount
              FROM account_move_line aml
              JOIN account_move move ON move.id = aml.move_id
        CROSS JOIN LATERAL jsonb_each_text(aml.analytic_distribution)
                   AS dist(key, value)
        CROSS JOIN LATERAL unnest(string_to_array(dist.key, ','))
                   AS dist_account(id)
              JOIN control_budget budget
                ON budget.analytic_account_id::text = dist_account.id
               AND budget.company_id = aml.company_id
               AND aml.date BETWEEN budget.date_from AND budget.date_to
             WHERE %(budget_filter)s
               AND aml.parent_state = 'posted'
               AND move.move_type NOT IN %(sale_types)s
          GROUP BY budget.id
            """,
            budget_filter=budget_filter,
            sale_types=tuple(self.env["account.move"].get_sale_types(True)),
        )

    def _utc_periods(self):
        """``{budget id: (start, stop)}``: the budget's dates as UTC bounds.

        A purchase order's date is a UTC datetime; the budget's dates are
        local days, in the time zone of the company (its partner), else of
        the budget's owner, else UTC: an order confirmed at 07:00 on
        1 January in Shanghai belongs to January's budget.
        """
        periods = {}
        for budget in self.sudo():
            tz_name = budget.company_id.partner_id.tz or budget.user_id.tz or "UTC"
            tz = pytz.timezone(tz_name)
            bounds = []
            for day in (budget.date_from, budget.date_to + timedelta(days=1)):
                local = tz.localize(datetime.combine(day, time.min))
                bounds.append(local.astimezone(pytz.utc).replace(tzinfo=None))
            periods[budget.id] = tuple(bounds)
        return periods

    @api.model
    def _committed_query(self, budgets, select, tail):
        """Confirmed purchase lines of ``budgets`` with their unbilled share.

        Rows are (budget, purchase line, distribution key); ``select`` may use
        ``budget``, ``pol``, ``po``, ``dist`` and ``unbilled.unbilled_qty`` (the line's
        quantity not yet billed on posted vendor bills, refunds giving quantity
        back, in the line's unit); ``tail`` closes the query.
        """
        account_ids = [str(i) for i in budgets.sudo().analytic_account_id.ids]
        pol = self.env["purchase.order.line"]
        return self._committed_sql(
            select,
            tail,
            SQL(
                "VALUES %s",
                SQL(", ").join(
                    SQL("(%s, %s::timestamp, %s::timestamp)", budget_id, start, stop)
                    for budget_id, (start, stop) in budgets._utc_periods().items()
                ),
            ),
            SQL(
                "budget.id IN %(ids)s AND %(accounts_query)s && %(account_ids)s",
                ids=tuple(budgets.ids),
                accounts_query=pol._query_analytic_accounts("pol"),
                account_ids=account_ids,
            ),
        )

    @api.model
    def _committed_sql(self, select, tail, periods, budget_filter):
        """The committed purchase lines, the one definition the budget check
        (through :meth:`_committed_query`) and the analysis report read.

        ``periods``: SQL of rows ``(budget id, start, stop)``, the budgets'
        periods as UTC bounds (:meth:`_utc_periods` as ``VALUES``, or
        :meth:`_utc_periods_sql`); ``budget_filter``: a condition on
        ``budget`` and ``pol``.
        """
        return SQL(
            r"""
            SELECT %(select)s
              FROM purchase_order_line pol
              JOIN purchase_order po ON po.id = pol.order_id
         LEFT JOIN uom_uom pol_uom ON pol_uom.id = pol.product_uom
        CROSS JOIN LATERAL jsonb_each_text(pol.analytic_distribution)
                   AS dist(key, value)
        CROSS JOIN LATERAL unnest(string_to_array(dist.key, ','))
                   AS dist_account(id)
              JOIN control_budget budget
                ON budget.analytic_account_id::text = dist_account.id
               AND budget.company_id = pol.company_id
              JOIN (%(periods)s) AS period(budget_id, date_start, date_stop)
                ON period.budget_id = budget.id
               AND po.date_order >= period.date_start
               AND po.date_order < period.date_stop
         LEFT JOIN LATERAL (
                   SELECT SUM(
                              CASE WHEN move.move_type = 'in_refund'
                                   THEN -1 ELSE 1 END
                              * aml.quantity
                              / COALESCE(NULLIF(aml_uom.factor, 0), 1)
                              * COALESCE(pol_uom.factor, 1)
                          ) AS qty
                     FROM account_move_line aml
                     JOIN account_move move ON move.id = aml.move_id
                LEFT JOIN uom_uom aml_uom ON aml_uom.id = aml.product_uom_id
                    WHERE aml.purchase_line_id = pol.id
                      AND move.state = 'posted'
                      AND move.move_type IN ('in_invoice', 'in_refund')
                   ) billed ON TRUE
        CROSS JOIN LATERAL (
                   SELECT GREATEST(pol.product_qty - COALESCE(billed.qty, 0), 0)
                          AS unbilled_qty
                   ) unbilled
             WHERE %(budget_filter)s
               AND po.state IN ('purchase', 'done')
               AND pol.display_type IS NULL
               AND pol.product_qty > 0
               %(tail)s
            """,
            select=select,
            tail=tail,
            periods=periods,
            budget_filter=budget_filter,
        )

    @api.model
    def _committed_amount_sql(self):
        """SQL of a committed line's amount in company currency (its untaxed
        subtotal at the order's rate, times its share not billed, times the
        distribution percentage of the budget's account), to sum per budget
        in :meth:`_committed_sql`."""
        return SQL(
            """
            pol.price_subtotal
            / COALESCE(NULLIF(po.currency_rate, 0), 1)
            * unbilled.unbilled_qty
            / pol.product_qty
            * GREATEST(dist.value::numeric, 0) / 100
            """
        )

    @api.model
    def _utc_periods_sql(self):
        """SQL of rows ``(budget id, start, stop)`` for every budget: the
        bounds of :meth:`_utc_periods` computed by the database (same time
        zone: the company's, else the owner's, else UTC)."""
        return SQL(
            """
            SELECT budget.id,
                   timezone('UTC', timezone(zone.name, budget.date_from::timestamp)),
                   timezone('UTC',
                            timezone(zone.name, (budget.date_to + 1)::timestamp))
              FROM control_budget budget
              JOIN res_company company ON company.id = budget.company_id
              JOIN res_partner company_partner
                ON company_partner.id = company.partner_id
         LEFT JOIN res_users owner ON owner.id = budget.user_id
         LEFT JOIN res_partner owner_partner ON owner_partner.id = owner.partner_id
        CROSS JOIN LATERAL (
                   SELECT COALESCE(NULLIF(company_partner.tz, ''),
                                   NULLIF(owner_partner.tz, ''), 'UTC') AS name
                   ) zone
            """
        )

    @api.model
    def _consumption_sql(self):
        """SQL of one row ``(budget_id, actual, committed)`` per budget, for
        the analysis report: the check's own pieces (:meth:`_actual_sql`,
        :meth:`_committed_sql`, :meth:`_committed_amount_sql`) over every
        budget. The one place to change if the committed amounts are read
        another way."""
        # The accounts of the budgets, for the index on the distributions.
        budget_accounts = SQL(
            "(SELECT ARRAY_AGG(DISTINCT analytic_account_id::text) FROM control_budget)"
        )
        return SQL(
            """
            SELECT budget.id AS budget_id,
                   COALESCE(actual.amount, 0) AS actual,
                   COALESCE(committed.amount, 0) AS committed
              FROM control_budget budget
         LEFT JOIN (%(actual)s) actual ON actual.budget_id = budget.id
         LEFT JOIN (%(committed)s) committed ON committed.budget_id = budget.id
            """,
            actual=self._actual_sql(
                SQL(
                    "%s && %s",
                    self.env["account.move.line"]._query_analytic_accounts("aml"),
                    budget_accounts,
                )
            ),
            committed=self._committed_sql(
                SQL(
                    "budget.id AS budget_id, SUM(%s) AS amount",
                    self._committed_amount_sql(),
                ),
                SQL("GROUP BY budget.id"),
                self._utc_periods_sql(),
                SQL(
                    "%s && %s",
                    self.env["purchase.order.line"]._query_analytic_accounts("pol"),
                    budget_accounts,
                ),
            ),
        )

    @api.model
    def _get_committed_data(self, budgets):
        """Confirmed purchase lines not yet billed, by distribution.

        For each purchase line: its untaxed subtotal converted at the order's
        rate, times the share of its quantity not yet billed on posted vendor
        bills (refunds give quantity back), times the distribution percentage
        of the budget's account. A billed quantity moves to the actuals and is
        never counted twice.
        """
        self.env.cr.execute(
            self._committed_query(
                budgets,
                SQL("budget.id, SUM(%s)", self._committed_amount_sql()),
                SQL("GROUP BY budget.id"),
            )
        )
        return {
            budget_id: float(amount or 0.0)
            for budget_id, amount in self.env.cr.fetchall()
        }

    def _get_committed_line_ids(self):
        """Ids of the purchase lines behind the committed figure."""
        budgets = self.filtered("id")
        if not budgets:
            return []
        self.env.flush_all()
        digits = self.env["decimal.precision"].precision_get("Product Unit of Measure")
        self.env.cr.execute(
            self._committed_query(
                budgets,
                SQL("DISTINCT pol.id"),
                SQL(
                    "AND ROUND(unbilled.unbilled_qty::numeric, %(digits)s) > 0",
                    digits=digits,
                ),
            )
        )
        return [line_id for (line_id,) in self.env.cr.fetchall()]

    def _get_consumption_map(self):
        """Return {budget id: consumed amount} (actual + committed)."""
        data = self._get_consumption_data()
        return {
            budget_id: actual + committed
            for budget_id, (actual, committed) in data.items()
        }

    def action_open_analysis(self):
        """Budget analysis (pivot, graph) of these budgets, or of all."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "budget_control.control_budget_report_action"
        )
        if self:
            action["domain"] = [("budget_id", "in", self.ids)]
            action["context"] = {}
        return action
