from collections import defaultdict

from odoo import api, fields, models
from odoo.addons.sales_internal_control.models.control_tools import check_finite
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_amount, format_date

# States of a contract whose unpaid milestones past their due date are overdue
# (in force, or ended without being settled).
OVERDUE_CONTRACT_STATES = ("signed", "active", "expired")
# States of a contract whose payment plan is what was approved: only an
# amendment (a new version) changes it.
PLAN_LOCKED_STATES = (
    "to_approve",
    "approved",
    "signed",
    "active",
    "expired",
    "terminated",
)
INVOICE_MOVE_TYPES = ("out_invoice", "out_refund", "in_invoice", "in_refund")


class ContractMilestone(models.Model):
    """One instalment of a contract's payment plan.

    A milestone carried to a new version of the contract (an amendment) is a
    new record whose ``previous_milestone_id`` is the old one; all share
    ``origin_milestone_id``, and what any of them invoiced counts for every
    later one (what was invoiced stays invoiced).
    """

    _name = "contract.milestone"
    _description = "Contract Milestone"
    _inherit = ["control.finite.mixin"]
    _order = "contract_id, sequence, date_due, id"
    _check_company_auto = True

    contract_id = fields.Many2one(
        "contract.contract",
        required=True,
        ondelete="cascade",
        index=True,
        check_company=True,
    )
    company_id = fields.Many2one(
        related="contract_id.company_id", store=True, index=True, precompute=True
    )
    currency_id = fields.Many2one(related="contract_id.currency_id")
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True)
    date_due = fields.Date(string="Due Date", required=True)
    amount = fields.Monetary(required=True, currency_field="currency_id")
    previous_milestone_id = fields.Many2one(
        "contract.milestone",
        string="Carried From",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
    )
    origin_milestone_id = fields.Many2one(
        "contract.milestone",
        string="Original Milestone",
        compute="_compute_origin_milestone_id",
        store=True,
        index=True,
        recursive=True,
    )
    invoice_ids = fields.One2many(
        "account.move", "contract_milestone_id", string="Invoices", readonly=True
    )
    amount_invoiced = fields.Monetary(
        compute="_compute_amounts",
        currency_field="currency_id",
        help="Posted invoices minus posted refunds naming this milestone or the "
        "milestones it was carried from (earlier versions).",
    )
    amount_paid = fields.Monetary(
        compute="_compute_amounts", currency_field="currency_id"
    )
    amount_remaining = fields.Monetary(
        compute="_compute_amounts", currency_field="currency_id"
    )
    state = fields.Selection(
        [
            ("planned", "Planned"),
            ("due", "Due"),
            ("invoiced", "Invoiced"),
            ("paid", "Paid"),
            ("overdue", "Overdue"),
        ],
        compute="_compute_amounts",
        help="Planned: not yet due, nothing invoiced. Due: the due date is "
        "today, or it is partly invoiced. Invoiced: fully invoiced, not yet "
        "paid. Paid: fully paid. Overdue: past its due date and not fully "
        "paid, on a signed, active or expired contract.",
    )
    overdue_activity_date = fields.Date(
        readonly=True,
        copy=False,
        help="When the responsible of the contract was told this milestone is "
        "overdue (once per milestone).",
    )

    # ---------------------------------------------------------------- computes
    @api.depends("previous_milestone_id.origin_milestone_id")
    def _compute_origin_milestone_id(self):
        for milestone in self:
            previous = milestone.previous_milestone_id
            milestone.origin_milestone_id = (
                previous.origin_milestone_id or previous or milestone
            )

    def _lineage_amounts(self):
        """``{milestone id: {"invoiced", "paid"}}`` over each milestone's
        lineage (the milestones it was carried from), refunds negative.

        Two queries for any batch: the lineage, then one ``_read_group`` of
        the posted invoices.
        """
        totals = defaultdict(lambda: {"invoiced": 0.0, "paid": 0.0})
        milestones = self.filtered("id").sudo()
        if not milestones:
            return totals
        origins = milestones.origin_milestone_id | milestones
        lineage = milestones.search([("origin_milestone_id", "in", origins.ids)])
        groups = (
            self.env["account.move"]
            .sudo()
            ._read_group(
                [
                    ("contract_milestone_id", "in", (lineage | milestones).ids),
                    ("state", "=", "posted"),
                    ("move_type", "in", INVOICE_MOVE_TYPES),
                ],
                ["contract_milestone_id", "move_type"],
                ["amount_total:sum", "amount_residual:sum"],
            )
        )
        by_origin = defaultdict(lambda: {"invoiced": 0.0, "paid": 0.0})
        for milestone, move_type, total, residual in groups:
            sign = -1 if move_type.endswith("refund") else 1
            origin = (milestone.origin_milestone_id or milestone).id
            by_origin[origin]["invoiced"] += sign * total
            by_origin[origin]["paid"] += sign * (total - residual)
        for milestone in milestones:
            totals[milestone.id] = dict(
                by_origin[(milestone.origin_milestone_id or milestone).id]
            )
        return totals

    @api.depends(
        "amount",
        "date_due",
        "contract_id.state",
        "invoice_ids.state",
        "invoice_ids.amount_total",
        "invoice_ids.amount_residual",
    )
    def _compute_amounts(self):
        totals = self._origin._lineage_amounts()
        today = fields.Date.context_today(self)
        for milestone in self:
            amounts = totals.get(milestone._origin.id) or {"invoiced": 0.0, "paid": 0.0}
            milestone.amount_invoiced = amounts["invoiced"]
            milestone.amount_paid = amounts["paid"]
            milestone.amount_remaining = milestone.amount - amounts["invoiced"]
            milestone.state = milestone._state_for(amounts, today)

    def _state_for(self, amounts, today):
        self.ensure_one()
        compare = self.currency_id.compare_amounts
        paid = self.amount and compare(amounts["paid"], self.amount) >= 0
        if paid:
            return "paid"
        past_due = self.date_due and self.date_due < today
        if past_due and self.contract_id.state in OVERDUE_CONTRACT_STATES:
            return "overdue"
        if compare(amounts["invoiced"], self.amount) >= 0 and self.amount:
            return "invoiced"
        if (self.date_due and self.date_due <= today) or compare(
            amounts["invoiced"], 0.0
        ) > 0:
            return "due"
        return "planned"

    @api.model
    def _overdue_of(self, contracts):
        """The overdue milestones of ``contracts`` (in force or expired), with
        what is unpaid: ``{milestone: unpaid}``, three queries for any batch."""
        today = fields.Date.context_today(self)
        candidates = (
            self.sudo()
            .search(
                [
                    ("contract_id", "in", contracts.ids),
                    ("contract_id.state", "in", OVERDUE_CONTRACT_STATES),
                    ("date_due", "<", today),
                ]
            )
            .with_prefetch()
        )
        totals = candidates._lineage_amounts()
        overdue = {}
        for milestone in candidates:
            unpaid = milestone.amount - totals[milestone.id]["paid"]
            if milestone.currency_id.compare_amounts(unpaid, 0.0) > 0:
                overdue[milestone] = unpaid
        return overdue

    # ------------------------------------------------------------- constraints
    @api.constrains("amount")
    def _check_amount(self):
        for milestone in self:
            check_finite(
                self.env,
                milestone.amount,
                self._fields["amount"]._description_string(self.env),
                milestone._label(),
            )
            if milestone.currency_id.compare_amounts(milestone.amount, 0.0) <= 0:
                raise ValidationError(
                    self.env._(
                        "%(milestone)s: the amount %(amount)s must be positive.",
                        milestone=milestone._label(),
                        amount=milestone._format(milestone.amount),
                    )
                )

    @api.constrains("date_due", "contract_id")
    def _check_date_due(self):
        """Within the contract's period; from the start of its first version
        (an amendment keeps the milestones of the period already run)."""
        for milestone in self:
            contract = milestone.contract_id
            start = min(
                contract.date_start,
                contract.origin_id.date_start or contract.date_start,
            )
            if not start <= milestone.date_due <= contract.date_end:
                raise ValidationError(
                    self.env._(
                        "%(milestone)s: the due date %(date)s is outside the "
                        "contract's period %(start)s - %(end)s.",
                        milestone=milestone._label(),
                        date=format_date(self.env, milestone.date_due),
                        start=format_date(self.env, start),
                        end=format_date(self.env, contract.date_end),
                    )
                )

    @api.constrains("amount", "previous_milestone_id")
    def _check_not_below_invoiced(self):
        """A carried milestone keeps at least what its lineage invoiced."""
        carried = self.filtered("previous_milestone_id")
        totals = carried._lineage_amounts()
        for milestone in carried:
            invoiced = totals[milestone.id]["invoiced"]
            if milestone.currency_id.compare_amounts(milestone.amount, invoiced) < 0:
                raise ValidationError(
                    self.env._(
                        "%(milestone)s: the amount %(amount)s is below what is "
                        "already invoiced on it (%(invoiced)s).",
                        milestone=milestone._label(),
                        amount=milestone._format(milestone.amount),
                        invoiced=milestone._format(invoiced),
                    )
                )

    def _label(self):
        self.ensure_one()
        return self.env._(
            "Milestone %(name)s of contract %(contract)s",
            name=self.name or "-",
            contract=self.contract_id.display_name,
        )

    def _diff_text(self):
        """The milestone in one line, for the comparison of versions."""
        self.ensure_one()
        return self.env._(
            "%(name)s, due %(date)s: %(amount)s",
            name=self.name,
            date=format_date(self.env, self.date_due),
            amount=self._format(self.amount),
        )

    def _format(self, amount):
        return format_amount(self.env, amount, self.currency_id)

    # -------------------------------------------------------------------- CRUD
    def _check_plan_editable(self, contracts):
        """The payment plan of a submitted contract changes by amendment only
        (the engine's own writes, in sudo, pass)."""
        if self.env.su:
            return
        locked = contracts.filtered(lambda c: c.state in PLAN_LOCKED_STATES)
        if locked:
            contract = locked[0]
            raise UserError(
                self.env._(
                    "Contract %(contract)s is %(state)s: its payment plan cannot "
                    "be changed without an amendment (contract amount "
                    "%(amount)s). Use Amend to create a new version.",
                    contract=contract.display_name,
                    state=contract._state_label(),
                    amount=format_amount(
                        self.env, contract.amount_total, contract.currency_id
                    ),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(
            "previous_milestone_id" in vals for vals in vals_list
        ):
            raise UserError(
                self.env._(
                    "Milestones are carried to a new version by Amend only (user "
                    "%(user)s).",
                    user=self.env.user.name,
                )
            )
        milestones = super().create(vals_list)
        self._check_plan_editable(milestones.contract_id)
        return milestones

    def write(self, vals):
        if not self.env.su:
            if "previous_milestone_id" in vals or "overdue_activity_date" in vals:
                raise UserError(
                    self.env._(
                        "Milestones %(milestones)s: the carried-from milestone and "
                        "the overdue reminder are set by the contract's workflow "
                        "(user %(user)s).",
                        milestones=", ".join(self.mapped("name")),
                        user=self.env.user.name,
                    )
                )
            self._check_plan_editable(self.contract_id)
        result = super().write(vals)
        if "contract_id" in vals:
            self._check_plan_editable(self.contract_id)
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_check(self):
        self._check_plan_editable(self.contract_id)
        totals = self._lineage_amounts()
        for milestone in self:
            invoiced = totals[milestone.id]["invoiced"]
            if milestone.invoice_ids or milestone.currency_id.compare_amounts(
                invoiced, 0.0
            ):
                raise UserError(
                    self.env._(
                        "%(milestone)s has invoices (%(invoiced)s invoiced) and "
                        "cannot be deleted.",
                        milestone=milestone._label(),
                        invoiced=milestone._format(invoiced),
                    )
                )
