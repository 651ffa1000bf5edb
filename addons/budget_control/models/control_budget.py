import math
from datetime import date, timedelta

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
    Both are computed live with grouped SQL for any number of budgets; the
    budget check reads the same figures kept by the database in
    ``control_budget_total`` (control_budget_total.py).
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
        return self._level_at(self.company_id, pct)

    @api.model
    def _level_at(self, company, pct):
        """Alert level of ``pct`` under the thresholds of ``company``."""
        if pct >= company._control_setting("budget_red_pct"):
            return "red"
        if pct >= company._control_setting("budget_orange_pct"):
            return "orange"
        if pct >= company._control_setting("budget_yellow_pct"):
            return "yellow"
        return "green"

    def _get_consumption_data(self):
        """Return {budget id: (actual, committed)} in company currency.

        One query whatever the number of budgets, plans, journal items and
        purchase lines (see :meth:`_consumption_sql`).
        """
        budgets = self.filtered("id")
        if not budgets:
            return {}
        self.env.flush_all()
        self.env.cr.execute(
            self._consumption_query(SQL("budget.id IN %s", tuple(budgets.ids)))
        )
        data = {
            budget_id: (float(actual or 0.0), float(committed or 0.0))
            for budget_id, actual, committed, *_rest in self.env.cr.fetchall()
        }
        return {budget_id: data.get(budget_id, (0.0, 0.0)) for budget_id in budgets.ids}

    @api.model
    def _consumption_sql(self, items=None, lines=None):
        """The one definition of a budget's actual and committed amounts.

        Returns a dict of SQL pieces, each correlated to a row ``budget`` of
        ``control_budget`` in the FROM clause of the caller (the consumption
        query below, the budget analysis view):

        - ``period``: a sub-select for ``CROSS JOIN LATERAL (...) period``
          giving ``period.date_start`` and ``period.date_stop``, the budget's
          local days as UTC bounds (``date_start <= t < date_stop``) in the
          time zone of its company (its partner), else of its owner, else
          UTC: an order confirmed at 07:00 on 1 January in Shanghai belongs
          to January's budget;
        - ``actual_rows``: a SELECT of ``line_id`` (journal item) and
          ``amount``, one row per distribution key naming the account:
          posted journal items of the budget's company within its dates,
          not of sales documents (customer invoices, refunds, receipts),
          their balance (company currency; expenses are debits, refunds
          reduce it) times the percentage of every key naming the budget's
          account ("12" or, across plans, "12,15"); read from the journal
          items, not from their analytic lines, which a billing clerk may
          edit or delete;
        - ``committed_rows``: a SELECT of ``line_id`` (purchase line) and
          ``amount``, likewise: confirmed purchase lines of the budget's
          company whose order date lies in ``period``, their stored
          ``budget_committed_amount`` (the untaxed subtotal at the order's
          rate times the share of the quantity not yet billed on posted
          vendor bills, refunds giving quantity back, units converted)
          times the distribution percentage of every key naming the
          budget's account (the lines whose distribution has one key naming
          one account are found by their stored ``budget_analytic_id`` and
          their share read by key; the others by expanding the
          distribution). A billed quantity moves to the
          actuals and is never counted twice.

        ``items`` names the relation the actuals read as ``aml`` (default
        ``account_move_line aml``), ``lines`` the one the commitments read
        as ``pol`` (default ``purchase_order_line pol``; the budget totals'
        triggers give the rows a statement changed, see
        control_budget_total.py): :meth:`_consumption_query` gives its
        ``budget_items``, the posted journal items carrying one of the
        budgets' accounts in their companies and within their periods, found
        through Odoo's index on the distribution's keys and the date index
        (a correlated condition alone lets the planner read every journal
        item of the company in the period instead).

        A negative percentage counts as nothing. The actuals are driven by
        Odoo's index on the distribution's keys, the commitments by partial
        indexes of the lines still committed, on (account, company, order
        date) and, for split distributions, on (company, order date).
        """
        aml = self.env["account.move.line"]
        pol = self.env["purchase.order.line"]
        share = SQL("GREATEST(dist.value::numeric, 0) / 100")
        names_account = SQL(
            "budget.analytic_account_id::text = ANY(string_to_array(dist.key, ','))"
        )
        return {
            "period": SQL(
                """
                SELECT (budget.date_from::timestamp AT TIME ZONE tz.name)
                       AT TIME ZONE 'UTC' AS date_start,
                       ((budget.date_to + 1)::timestamp AT TIME ZONE tz.name)
                       AT TIME ZONE 'UTC' AS date_stop
                  FROM (
                       SELECT COALESCE(NULLIF(company_partner.tz, ''),
                                       NULLIF(owner_partner.tz, ''),
                                       'UTC') AS name
                         FROM res_company company
                         JOIN res_partner company_partner
                           ON company_partner.id = company.partner_id
                    LEFT JOIN res_users owner ON owner.id = budget.user_id
                    LEFT JOIN res_partner owner_partner
                           ON owner_partner.id = owner.partner_id
                        WHERE company.id = budget.company_id
                       ) tz
                """
            ),
            "actual_rows": SQL(
                """
                SELECT aml.id AS line_id, aml.balance * %(share)s AS amount
                  FROM %(items)s
                  JOIN account_move move ON move.id = aml.move_id
            CROSS JOIN LATERAL jsonb_each_text(aml.analytic_distribution)
                       AS dist(key, value)
                 WHERE %(accounts)s && ARRAY[budget.analytic_account_id::text]
                   AND aml.company_id = budget.company_id
                   AND aml.date BETWEEN budget.date_from AND budget.date_to
                   AND aml.parent_state = 'posted'
                   AND move.move_type NOT IN %(sale_types)s
                   AND %(names_account)s
                """,
                share=share,
                items=items or SQL("account_move_line aml"),
                names_account=names_account,
                accounts=aml._query_analytic_accounts("aml"),
                sale_types=tuple(self.env["account.move"].get_sale_types(True)),
            ),
            "committed_rows": SQL(
                """
                SELECT pol.id AS line_id,
                       pol.budget_committed_amount
                       * GREATEST(COALESCE((pol.analytic_distribution
                                  ->> budget.analytic_account_id::text)::numeric,
                                  0), 0) / 100 AS amount
                  FROM %(lines)s
                 WHERE pol.budget_analytic_id = budget.analytic_account_id
                   AND pol.company_id = budget.company_id
                   AND pol.budget_date >= period.date_start
                   AND pol.budget_date < period.date_stop
                   AND pol.budget_committed_amount <> 0
             UNION ALL
                SELECT pol.id AS line_id,
                       pol.budget_committed_amount * %(share)s AS amount
                  FROM %(lines)s
            CROSS JOIN LATERAL jsonb_each_text(pol.analytic_distribution)
                       AS dist(key, value)
                 WHERE pol.budget_analytic_id = 0
                   AND pol.analytic_distribution IS NOT NULL
                   AND pol.company_id = budget.company_id
                   AND pol.budget_date >= period.date_start
                   AND pol.budget_date < period.date_stop
                   AND pol.budget_committed_amount <> 0
                   AND %(accounts)s && ARRAY[budget.analytic_account_id::text]
                   AND %(names_account)s
                """,
                share=share,
                lines=lines or SQL("purchase_order_line pol"),
                names_account=names_account,
                accounts=pol._query_analytic_accounts("pol"),
            ),
        }

    @api.model
    def _consumption_query(self, where):
        """Rows ``(budget id, actual, committed, date_start, date_stop,
        analytic account id, company id, planned amount, last notified
        level)`` of the budgets matching ``where`` (on ``budget``), measured
        over their journal items and purchase lines (the check reads the
        same figures kept up to date in ``control_budget_total``, see
        control_budget_total.py)."""
        parts = self._consumption_sql(items=SQL("budget_items aml"))
        return SQL(
            """
            WITH budget AS MATERIALIZED (
                SELECT budget.*, period.date_start, period.date_stop
                  FROM control_budget budget
            CROSS JOIN LATERAL (%(period)s) period
                 WHERE %(where)s
            ), budget_items AS MATERIALIZED (
                SELECT aml.id, aml.move_id, aml.company_id, aml.date,
                       aml.parent_state, aml.balance, aml.analytic_distribution
                  FROM account_move_line aml
                 WHERE %(accounts)s && (
                       SELECT array_agg(budget.analytic_account_id::text)
                         FROM budget)
                   AND aml.parent_state = 'posted'
                   AND aml.company_id IN (SELECT company_id FROM budget)
                   AND aml.date BETWEEN (SELECT MIN(date_from) FROM budget)
                                    AND (SELECT MAX(date_to) FROM budget)
            )
            SELECT budget.id, actual.amount, committed.amount,
                   budget.date_start, budget.date_stop,
                   budget.analytic_account_id, budget.company_id,
                   budget.amount, budget.last_alert_level
              FROM budget
        CROSS JOIN LATERAL (SELECT budget.date_start, budget.date_stop) period
         LEFT JOIN LATERAL (SELECT SUM(rows.amount) AS amount
                              FROM (%(actual_rows)s) rows) actual ON TRUE
         LEFT JOIN LATERAL (SELECT SUM(rows.amount) AS amount
                              FROM (%(committed_rows)s) rows) committed ON TRUE
            """,
            where=where,
            accounts=self.env["account.move.line"]._query_analytic_accounts("aml"),
            period=parts["period"],
            actual_rows=parts["actual_rows"],
            committed_rows=parts["committed_rows"],
        )

    def _get_committed_line_ids(self):
        """Ids of the purchase lines behind the committed figure."""
        budgets = self.filtered("id")
        if not budgets:
            return []
        self.env.flush_all()
        parts = self._consumption_sql()
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT rows.line_id
                  FROM control_budget budget
            CROSS JOIN LATERAL (%(period)s) period
            CROSS JOIN LATERAL (%(committed_rows)s) rows
                 WHERE budget.id IN %(ids)s AND rows.amount <> 0
                """,
                period=parts["period"],
                committed_rows=parts["committed_rows"],
                ids=tuple(budgets.ids),
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
