import base64
import hashlib
import logging
import uuid
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.addons.sales_internal_control.models.control_tools import check_finite
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import consteq, format_amount, format_date, format_datetime
from odoo.tools.image import base64_to_image
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

# Fields that every version of a contract shares: amounts are summed over the
# versions and documents move from one version to the next.
FAMILY_FIELDS = ("currency_id", "contract_type", "company_id", "commercial_partner_id")
# Fields that a signed contract keeps until an amendment (a new version).
LOCKED_FIELDS = {
    "partner_id",
    "amount_total",
    "currency_id",
    "date_start",
    "date_end",
    "contract_type",
    "company_id",
    "payment_term_id",
    "delivery_terms",
    "penalty_terms",
    "template_id",
}
# Approved or waiting for approval counts too: what is signed is what was
# approved (reset to draft to change it).
LOCKED_STATES = ("to_approve", "approved", "signed", "active", "expired", "terminated")
# Set by the workflow only (the actions, the cron, amendments, the sequence),
# never by a user's or an integration's create/write: a contract cannot skip
# approval, and its reference is the sequence's.
PROTECTED_FIELDS = {
    "name",
    "state",
    "approved_by_id",
    "approved_date",
    "signed_date",
    "termination_reason",
    "version",
    "previous_version_id",
    "superseded_by_id",
    "renewal_activity_date",
    "customer_signature",
    "signed_by",
    "signed_on",
    "signature_hash",
    "signed_attachment_id",
    "signature_request_date",
}
# Longest renewal notice, in days (ten years): anything longer is a typing
# error, and dates before year 1 do not exist.
MAX_RENEWAL_NOTICE_DAYS = 3660
INVOICE_TYPES = {
    "sale": ("out_invoice", "out_refund"),
    "purchase": ("in_invoice", "in_refund"),
}

_logger = logging.getLogger(__name__)


class ContractContract(models.Model):
    """A customer or vendor contract, from draft to expiry.

    Versions: :meth:`action_amend` copies a signed or active contract into a
    new draft version (``previous_version_id``); all versions share
    ``origin_id``. When a new version becomes active, the version it replaces
    is terminated (``superseded_by_id`` set), and the draft invoices and open
    sale orders of the old version move to the new one. Amounts invoiced and
    paid are counted over all the versions of a contract.
    """

    _name = "contract.contract"
    _description = "Contract"
    # control.finite.mixin first: it refuses NaN before the others read values.
    _inherit = [
        "control.finite.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "portal.mixin",
        "control.approval.mixin",
    ]
    _order = "date_start desc, name desc, version desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference",
        required=True,
        copy=False,
        readonly=True,
        default="/",
        index="trigram",
        tracking=True,
    )
    title = fields.Char(help="What the contract is about.")
    partner_id = fields.Many2one(
        "res.partner",
        required=True,
        tracking=True,
        index=True,
        check_company=True,
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", store=True, index=True
    )
    contract_type = fields.Selection(
        [("sale", "Customer Contract"), ("purchase", "Vendor Contract")],
        string="Type",
        required=True,
        default="sale",
        tracking=True,
    )
    amount_total = fields.Monetary(
        string="Contract Amount", tracking=True, currency_field="currency_id"
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
        tracking=True,
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        tracking=True,
        index=True,
        domain="[('share', '=', False)]",
    )
    team_id = fields.Many2one(
        "crm.team", string="Sales Team", index=True, tracking=True, check_company=True
    )
    date_start = fields.Date(
        string="Start Date", required=True, default=fields.Date.context_today
    )
    date_end = fields.Date(string="End Date", required=True, tracking=True)
    renewal_notice_days = fields.Integer(
        default=30,
        help="The responsible gets a renewal activity this many days before "
        "the end date.",
    )
    renewal_activity_date = fields.Date(
        copy=False,
        readonly=True,
        help="When the renewal activity was scheduled (it is scheduled once).",
    )
    payment_term_id = fields.Many2one(
        "account.payment.term", check_company=True, tracking=True
    )
    delivery_terms = fields.Text()
    penalty_terms = fields.Text()
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("to_approve", "To Approve"),
            ("approved", "Approved"),
            ("signed", "Signed"),
            ("active", "Active"),
            ("expired", "Expired"),
            ("terminated", "Terminated"),
        ],
        default="draft",
        required=True,
        copy=False,
        readonly=True,
        tracking=True,
        index=True,
        group_expand=True,
    )
    approved_by_id = fields.Many2one("res.users", copy=False, readonly=True)
    approved_date = fields.Datetime(copy=False, readonly=True)
    signed_date = fields.Date(copy=False, readonly=True, tracking=True)
    termination_reason = fields.Text(copy=False, readonly=True, tracking=True)
    version = fields.Integer(default=1, required=True, readonly=True, copy=False)
    previous_version_id = fields.Many2one(
        "contract.contract",
        readonly=True,
        copy=False,
        index=True,
        check_company=True,
    )
    origin_id = fields.Many2one(
        "contract.contract",
        string="Original Version",
        compute="_compute_origin_id",
        store=True,
        index=True,
        recursive=True,
    )
    next_version_ids = fields.One2many(
        "contract.contract", "previous_version_id", string="Later Versions"
    )
    next_version_id = fields.Many2one(
        "contract.contract", compute="_compute_next_version_id"
    )
    superseded_by_id = fields.Many2one(
        "contract.contract", copy=False, readonly=True, index="btree_not_null"
    )
    version_ids = fields.Many2many(
        "contract.contract", string="Versions", compute="_compute_version_ids"
    )
    version_count = fields.Integer(compute="_compute_version_ids")
    sale_order_ids = fields.One2many("sale.order", "contract_id", readonly=True)
    invoice_ids = fields.One2many("account.move", "contract_id", readonly=True)
    sale_order_count = fields.Integer(compute="_compute_document_counts")
    invoice_count = fields.Integer(compute="_compute_document_counts")
    amount_invoiced = fields.Monetary(
        compute="_compute_amounts",
        help="Posted invoices minus posted refunds, over all the versions of "
        "this contract (taxes included).",
    )
    amount_remaining = fields.Monetary(compute="_compute_amounts")
    amount_paid = fields.Monetary(
        compute="_compute_amounts",
        help="Paid part of the posted invoices minus the paid part of the "
        "posted refunds, over all versions.",
    )
    risk_level = fields.Selection(
        [("normal", "Normal"), ("high", "High")],
        compute="_compute_risk_level",
        store=True,
        tracking=True,
        help="High when the contract (any of its versions) has overdue unpaid "
        "invoices; refreshed when its own invoices change and, for the "
        "invoices of earlier versions, by the daily contract cron.",
    )
    overdue_amount = fields.Monetary(compute="_compute_risk_level", store=True)
    customer_signature = fields.Image(
        copy=False, readonly=True, attachment=True, max_width=1024, max_height=1024
    )
    signed_by = fields.Char(copy=False, readonly=True, tracking=True)
    signed_on = fields.Datetime(copy=False, readonly=True, tracking=True)
    signature_hash = fields.Char(
        string="Signed PDF Hash",
        copy=False,
        readonly=True,
        help="SHA-256 of the document as signed (the customer's PDF signed on "
        "the portal, or the scanned paper copy).",
    )
    signed_attachment_id = fields.Many2one(
        "ir.attachment", string="Signed Document", copy=False, readonly=True
    )
    signature_request_date = fields.Datetime(
        copy=False,
        readonly=True,
        help="When the signature link was sent; it expires after the company's "
        "signature link validity.",
    )
    days_to_expiry = fields.Integer(
        compute="_compute_expiry",
        help="Days from today to the end date (negative once it has passed).",
    )
    expiry_band = fields.Selection(
        [
            ("ended", "Ended"),
            ("30", "Ending in 30 days"),
            ("60", "Ending in 60 days"),
            ("90", "Ending in 90 days"),
            ("later", "Later"),
        ],
        compute="_compute_expiry",
    )
    milestone_ids = fields.One2many(
        "contract.milestone",
        "contract_id",
        string="Payment Plan",
        copy=False,
        help="The instalments of the contract; when there are any, they add up "
        "to the contract amount (checked at submission).",
    )
    overdue_milestone_count = fields.Integer(
        compute="_compute_risk_level",
        store=True,
        help="Milestones past their due date and not fully paid.",
    )

    _sql_constraints = [
        (
            "version_positive",
            "CHECK(version >= 1)",
            "A contract version starts at 1.",
        ),
    ]

    # ---------------------------------------------------------------- computes
    @api.depends("previous_version_id.origin_id")
    def _compute_origin_id(self):
        for contract in self:
            contract.origin_id = (
                contract.previous_version_id.origin_id
                or contract.previous_version_id
                or contract
            )

    @api.depends("next_version_ids.state", "superseded_by_id")
    def _compute_next_version_id(self):
        """The version that amends this one and is still pending or in force.

        A version terminated or expired before it ever replaced this one
        (an abandoned amendment) does not count.
        """
        for contract in self:
            contract.next_version_id = contract.next_version_ids.filtered(
                lambda v, contract=contract: (
                    v.state not in ("terminated", "expired")
                    or contract.superseded_by_id == v
                )
            ).sorted("version", reverse=True)[:1]

    def _families(self):
        """``{origin id: all versions}`` for the contracts of ``self``."""
        origins = self.origin_id | self.filtered(lambda c: not c.origin_id)
        versions = self.with_context(active_test=False).search(
            [("origin_id", "in", origins.ids)]
        )
        families = defaultdict(lambda: self.browse())
        for version in versions | self:
            families[(version.origin_id or version).id] |= version
        return families

    @api.depends("origin_id", "next_version_ids", "previous_version_id")
    def _compute_version_ids(self):
        families = self._families()
        for contract in self:
            versions = families[(contract.origin_id or contract).id].sorted("version")
            contract.version_ids = versions
            contract.version_count = len(versions)

    def _compute_document_counts(self):
        orders = dict(
            self.env["sale.order"]._read_group(
                [("contract_id", "in", self.ids)], ["contract_id"], ["__count"]
            )
        )
        invoices = dict(
            self.env["account.move"]._read_group(
                [("contract_id", "in", self.ids)], ["contract_id"], ["__count"]
            )
        )
        for contract in self:
            contract.sale_order_count = orders.get(contract, 0)
            contract.invoice_count = invoices.get(contract, 0)

    def _attachment_counts(self):
        groups = (
            self.env["ir.attachment"]
            .sudo()
            ._read_group(
                [("res_model", "=", self._name), ("res_id", "in", self.ids)],
                ["res_id"],
                ["__count"],
            )
        )
        return dict(groups)

    def _invoiced_by_contract(self):
        """Amounts of the posted invoices, grouped per contract (any version).

        One ``_read_group`` on ``account.move`` for the whole batch.

        :return: ``{contract id: {"invoiced", "paid", "residual"}}``, refunds
            counted negative.
        """
        totals = defaultdict(lambda: {"invoiced": 0.0, "paid": 0.0})
        if not self.ids:
            return totals
        groups = (
            self.env["account.move"]
            .sudo()
            ._read_group(
                [
                    ("contract_id", "in", self.ids),
                    ("state", "=", "posted"),
                    (
                        "move_type",
                        "in",
                        ("out_invoice", "out_refund", "in_invoice", "in_refund"),
                    ),
                ],
                ["contract_id", "move_type"],
                ["amount_total:sum", "amount_residual:sum"],
            )
        )
        for contract, move_type, total, residual in groups:
            sign = -1 if move_type.endswith("refund") else 1
            totals[contract.id]["invoiced"] += sign * total
            totals[contract.id]["paid"] += sign * (total - residual)
        return totals

    def _family_sums(self, per_version, keys):
        """``{contract id: {key: amount}}`` summed over each contract's family.

        :param per_version: function of all the versions concerned returning
            ``{version id: {key: amount}}`` (one grouped query for the batch)
        :param keys: the amounts to sum
        """
        families = self._families()
        amounts = per_version(self.browse().union(*families.values()))
        return {
            contract.id: {
                key: sum(
                    amounts.get(v.id, {}).get(key, 0.0)
                    for v in families[(contract.origin_id or contract).id]
                )
                for key in keys
            }
            for contract in self
        }

    def _family_invoiced(self):
        """``{contract id: {"invoiced", "paid"}}`` summed over each family."""
        return self._family_sums(
            lambda versions: versions._invoiced_by_contract(), ("invoiced", "paid")
        )

    @api.depends("amount_total", "invoice_ids.state", "invoice_ids.amount_residual")
    def _compute_amounts(self):
        real = self.filtered("id")
        totals = real._family_invoiced()
        for contract in self:
            amounts = totals.get(contract.id, {"invoiced": 0.0, "paid": 0.0})
            contract.amount_invoiced = amounts["invoiced"]
            contract.amount_paid = amounts["paid"]
            contract.amount_remaining = contract.amount_total - amounts["invoiced"]

    @api.depends(
        "invoice_ids.payment_state",
        "invoice_ids.invoice_date_due",
        "invoice_ids.state",
        "invoice_ids.amount_residual",
        "origin_id",
        "state",
        "milestone_ids.date_due",
        "milestone_ids.amount",
    )
    def _compute_risk_level(self):
        """Overdue unpaid invoices of the whole family (every version), and
        milestones past their due date and not fully paid.

        One ``_read_group`` for the batch, then summed per family. Not a
        recursive field (that would compute one contract at a time): the
        invoices of earlier versions are counted when the cron recomputes.
        """
        today = fields.Date.context_today(self)

        def overdue(versions):
            groups = (
                self.env["account.move"]
                .sudo()
                ._read_group(
                    [
                        ("contract_id", "in", versions.ids),
                        ("state", "=", "posted"),
                        ("move_type", "in", ("out_invoice", "in_invoice")),
                        ("payment_state", "in", ("not_paid", "partial")),
                        ("invoice_date_due", "<", today),
                    ],
                    ["contract_id"],
                    ["amount_residual:sum"],
                )
            )
            return {version.id: {"overdue": residual} for version, residual in groups}

        real = self.filtered("id")
        totals = real._family_sums(overdue, ("overdue",)) if real else {}
        late = self.env["contract.milestone"]._overdue_of(real) if real else {}
        late_count = defaultdict(int)
        for milestone in late:
            late_count[milestone.contract_id.id] += 1
        for contract in self:
            amount = totals[contract.id]["overdue"] if contract.id else 0.0
            contract.overdue_amount = amount
            contract.overdue_milestone_count = late_count[contract.id]
            contract.risk_level = (
                "high"
                if contract.currency_id.compare_amounts(amount, 0.0) > 0
                or late_count[contract.id]
                else "normal"
            )
        self._schedule_milestone_alerts(list(late))

    def _schedule_milestone_alerts(self, milestones):
        """One activity for the responsible of each contract whose milestones
        are found overdue for the first time (each milestone is reported
        once), created in one batch."""
        todo = (
            self.env["contract.milestone"]
            .sudo()
            .union(*(m for m in milestones if not m.overdue_activity_date))
        )
        if not todo:
            return
        today = fields.Date.context_today(self)
        activity_type = self.env.ref(
            "contract_lifecycle.mail_activity_type_contract_milestone_overdue"
        )
        model_id = self.env["ir.model"]._get_id(self._name)
        vals_list = []
        for contract, late in todo.grouped("contract_id").items():
            names = []
            for milestone in late:
                names.append(
                    self.env._(
                        "%(milestone)s (due %(date)s, %(amount)s)",
                        milestone=milestone.name,
                        date=format_date(self.env, milestone.date_due),
                        amount=milestone._format(milestone.amount),
                    )
                )
            summary = self.env._(
                "Overdue milestones of %(contract)s: %(milestones)s",
                contract=contract.display_name,
                milestones=", ".join(names),
            )
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": contract.id,
                    "activity_type_id": activity_type.id,
                    "user_id": (contract.user_id or contract.create_uid).id,
                    "date_deadline": today,
                    "summary": summary[:250],
                }
            )
        self.env["mail.activity"].sudo().create(vals_list)
        todo.write({"overdue_activity_date": today})

    @api.depends("name", "version", "title")
    def _compute_display_name(self):
        for contract in self:
            name = contract.name or "/"
            if contract.version > 1:
                name = self.env._(
                    "%(name)s v%(version)s", name=name, version=contract.version
                )
            if contract.title:
                name = f"{name} - {contract.title}"
            contract.display_name = name

    @api.depends("date_end")
    @api.depends_context("tz")
    def _compute_expiry(self):
        today = fields.Date.context_today(self)
        for contract in self:
            days = (contract.date_end - today).days if contract.date_end else 0
            contract.days_to_expiry = days
            if not contract.date_end or days < 0:
                contract.expiry_band = "ended"
            else:
                contract.expiry_band = next(
                    (band for band in ("30", "60", "90") if days <= int(band)), "later"
                )

    def _compute_access_url(self):
        result = super()._compute_access_url()
        for contract in self:
            contract.access_url = f"/my/contracts/{contract.id}"
        return result

    # ------------------------------------------------------------- constraints
    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for contract in self:
            if (
                contract.date_start
                and contract.date_end
                and contract.date_end < contract.date_start
            ):
                raise ValidationError(
                    self.env._(
                        "Contract %(contract)s: the end date %(end)s is before "
                        "the start date %(start)s.",
                        contract=contract.display_name,
                        end=format_date(self.env, contract.date_end),
                        start=format_date(self.env, contract.date_start),
                    )
                )
        self.milestone_ids._check_date_due()

    @api.constrains("amount_total")
    def _check_amount_total(self):
        for contract in self:
            check_finite(
                self.env,
                contract.amount_total,
                self._fields["amount_total"]._description_string(self.env),
                self.env._("Contract %(contract)s", contract=contract.display_name),
            )
            if contract.currency_id.compare_amounts(contract.amount_total, 0.0) < 0:
                raise ValidationError(
                    self.env._(
                        "Contract %(contract)s: the amount %(amount)s cannot be "
                        "negative.",
                        contract=contract.display_name,
                        amount=format_amount(
                            self.env, contract.amount_total, contract.currency_id
                        ),
                    )
                )

    @api.constrains(
        "previous_version_id",
        "currency_id",
        "contract_type",
        "company_id",
        "partner_id",
    )
    def _check_same_family_terms(self):
        """Every version keeps the currency, type, company and customer.

        The family's amounts are added up across versions and its open
        documents move to the new version: these must not differ.
        """
        for contract in self:
            pairs = [(contract.previous_version_id, contract)] + [
                (contract, later) for later in contract.next_version_ids
            ]
            for previous, later in pairs:
                if not previous:
                    continue
                differing = [
                    self.env._(
                        "%(field)s %(later)s instead of %(previous)s",
                        field=self._fields[name]._description_string(self.env),
                        later=later._family_value(name),
                        previous=previous._family_value(name),
                    )
                    for name in FAMILY_FIELDS
                    if previous[name] != later[name]
                ]
                if differing:
                    raise ValidationError(
                        self.env._(
                            "Contract %(later)s (version %(later_version)s) must "
                            "keep the terms of version %(previous_version)s "
                            "(%(previous)s); it has %(differences)s. Create a "
                            "new contract instead.",
                            later=later.display_name,
                            later_version=later.version,
                            previous_version=previous.version,
                            previous=previous.display_name,
                            differences="; ".join(differing),
                        )
                    )

    def _family_value(self, name):
        self.ensure_one()
        value = self[name]
        if name == "contract_type":
            return dict(self._fields[name]._description_selection(self.env)).get(
                value, value
            )
        if name == "currency_id":
            return value.name
        return value.display_name

    @api.constrains("renewal_notice_days")
    def _check_renewal_notice_days(self):
        for contract in self:
            if not 0 <= contract.renewal_notice_days <= MAX_RENEWAL_NOTICE_DAYS:
                raise ValidationError(
                    self.env._(
                        "Contract %(contract)s: the renewal notice %(days)s days "
                        "must be between 0 and %(max)s days.",
                        contract=contract.display_name,
                        days=contract.renewal_notice_days,
                        max=MAX_RENEWAL_NOTICE_DAYS,
                    )
                )

    # -------------------------------------------------------------------- CRUD
    def _control_guarded_fields(self):
        # Checked on the final values of create (after defaults: a
        # default_state context key or a personal default cannot give a
        # signed contract) and on write. The reference is checked apart: it
        # comes from the sequence.
        fields_ = super()._control_guarded_fields()
        fields_.update(dict.fromkeys(PROTECTED_FIELDS - {"name"}, "workflow"))
        return fields_

    def _control_guard_message(self, guard, field_names):
        if guard != "workflow":
            return super()._control_guard_message(guard, field_names)
        return self._protected_message(field_names)

    def _protected_message(self, field_names):
        return self.env._(
            "%(fields)s of contract %(contract)s are set by its workflow (submit, "
            "approve, sign, terminate, amend), not written directly (user "
            "%(user)s).",
            fields=", ".join(self._fields[name].string for name in sorted(field_names)),
            contract=", ".join(self.mapped("display_name")) or self._description,
            user=self.env.user.name,
        )

    def _check_protected(self, vals_list, create=False):
        """The reference of an existing contract is never rewritten."""
        if self.env.su or create:
            return
        for vals in vals_list:
            if "name" in vals and any(c.name != vals["name"] for c in self):
                raise AccessError(self._protected_message(["name"]))

    def _check_given_reference(self, vals_list):
        """The reference comes from the sequence; a client cannot choose it."""
        if self.env.su:
            return
        for vals in vals_list:
            if vals.get("name") and vals["name"] != "/":
                raise UserError(
                    self.env._(
                        "The reference of a contract comes from its sequence: "
                        "%(name)s cannot be given (user %(user)s). Leave it empty "
                        'or "/".',
                        name=vals["name"],
                        user=self.env.user.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_given_reference(vals_list)
        self._check_protected(vals_list, create=True)
        for vals in vals_list:
            if vals.get("name", "/") == "/" and not vals.get("previous_version_id"):
                company = self.env["res.company"].browse(
                    vals.get("company_id") or self.env.company.id
                )
                vals["name"] = (
                    self.env["ir.sequence"]
                    .with_company(company)
                    .next_by_code("contract.contract")
                    or "/"
                )
        return super().create(vals_list)

    def write(self, vals):
        # Non-finite amounts get the clear message before the locked-field
        # comparison below converts them.
        self._check_finite_vals(vals)
        self._check_protected([vals])
        locked_fields = LOCKED_FIELDS.intersection(vals)
        if locked_fields:
            locked = self.filtered(lambda c: c.state in LOCKED_STATES)
            for contract in locked:
                changed = [
                    contract._fields[name].string
                    for name in sorted(locked_fields)
                    if contract._fields[name].convert_to_write(contract[name], contract)
                    != contract._fields[name].convert_to_write(
                        contract._fields[name].convert_to_cache(vals[name], contract),
                        contract,
                    )
                ]
                if changed:
                    raise UserError(
                        self.env._(
                            "Contract %(contract)s is %(state)s: %(fields)s cannot "
                            "be changed without an amendment (current amount "
                            "%(amount)s). Use Amend to create a new version.",
                            contract=contract.display_name,
                            state=contract._state_label(),
                            fields=", ".join(changed),
                            amount=format_amount(
                                self.env, contract.amount_total, contract.currency_id
                            ),
                        )
                    )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        for contract in self:
            if contract.state not in ("draft", "to_approve"):
                raise UserError(
                    self.env._(
                        "Contract %(contract)s is %(state)s and cannot be "
                        "deleted; terminate it instead.",
                        contract=contract.display_name,
                        state=contract._state_label(),
                    )
                )

    def _state_label(self):
        self.ensure_one()
        return dict(self._fields["state"]._description_selection(self.env))[self.state]

    # ---------------------------------------------------------------- approval
    def _approval_get_amount(self):
        self.ensure_one()
        return self.currency_id._convert(
            self.amount_total,
            self.company_id.currency_id,
            self.company_id,
            self.date_start or fields.Date.context_today(self),
        )

    def _approval_action(self):
        """The last tier approved: finish the manager's approval if given."""
        ready = self.filtered(lambda c: c.state == "to_approve" and c.approved_by_id)
        ready.sudo()._set_approved()
        return True

    # ----------------------------------------------------------------- actions
    def _check_state(self, states, action):
        wrong = self.filtered(lambda c: c.state not in states)
        if wrong:
            labels = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(
                self.env._(
                    "%(action)s is not possible for contract %(contract)s in "
                    "state %(state)s (expected: %(expected)s).",
                    action=action,
                    contract=wrong[0].display_name,
                    state=wrong[0]._state_label(),
                    expected=", ".join(labels[s] for s in states),
                )
            )

    def _check_contract_manager(self, action):
        if not self.env.user.has_group("contract_lifecycle.group_contract_manager"):
            raise AccessError(
                self.env._(
                    "%(action)s of contract %(contract)s is reserved to contract "
                    "managers; %(user)s is not one.",
                    action=action,
                    contract=", ".join(self.mapped("display_name")),
                    user=self.env.user.name,
                )
            )

    def action_submit(self):
        """Draft -> To Approve; customer contracts need their attachments.

        Large contracts are also sent to the approval engine (rules on
        ``contract.contract``).
        """
        self.check_access("write")
        self._check_state(("draft",), self.env._("Submitting"))
        attachments = self._attachment_counts()
        for contract in self.filtered(lambda c: c.contract_type == "sale"):
            if not attachments.get(contract.id):
                raise UserError(
                    self.env._(
                        "Contract %(contract)s for %(partner)s (%(amount)s) cannot "
                        "be submitted: attach the customer's qualification "
                        "documents first.",
                        contract=contract.display_name,
                        partner=contract.partner_id.display_name,
                        amount=format_amount(
                            self.env, contract.amount_total, contract.currency_id
                        ),
                    )
                )
        self._check_payment_plan()
        self.sudo().write({"state": "to_approve"})
        self._approval_route()
        return True

    def _check_payment_plan(self):
        """Milestones, when a contract has any, add up to its amount.

        One grouped query for the batch; a refusal is logged.
        """
        sums = dict(
            self.env["contract.milestone"]
            .sudo()
            ._read_group(
                [("contract_id", "in", self.ids)], ["contract_id"], ["amount:sum"]
            )
        )
        for contract in self:
            if contract not in sums:
                continue
            planned = sums[contract]
            if contract.currency_id.compare_amounts(planned, contract.amount_total):
                fmt = contract._format_amount
                message = self.env["control.log"]._text(
                    _lt(
                        "Contract %(contract)s: its milestones add up to %(planned)s "
                        "but the contract amount is %(amount)s (difference "
                        "%(difference)s). Correct the payment plan or the amount.",
                        contract=contract.display_name,
                        planned=fmt(planned),
                        amount=fmt(contract.amount_total),
                        difference=fmt(contract.amount_total - planned),
                    )
                )
                self.env["control.log"]._log_detached(
                    "blocked", contract, message, amount=contract._approval_get_amount()
                )
                raise UserError(message)

    def action_approve(self):
        """To Approve -> Approved, by a contract manager who did not create it.

        When an approval rule applies, the contract stays To Approve until the
        last tier is approved, then it is approved automatically.
        """
        self._check_state(("to_approve",), self.env._("Approving"))
        self._check_contract_manager(self.env._("Approval"))
        for contract in self:
            if contract.create_uid == self.env.user:
                raise AccessError(
                    self.env._(
                        "Segregation of duties: %(user)s created contract "
                        "%(contract)s and cannot approve it; another contract "
                        "manager must.",
                        user=self.env.user.name,
                        contract=contract.display_name,
                    )
                )
        self.sudo().write(
            {"approved_by_id": self.env.uid, "approved_date": fields.Datetime.now()}
        )
        waiting = self._approval_route()
        for contract in waiting:
            contract._control_note(
                body=self.env._(
                    "Approved by %(user)s; waiting for the approval tiers before "
                    "the contract is approved.",
                    user=self.env.user.name,
                )
            )
        (self - waiting)._set_approved()
        return True

    def _set_approved(self):
        self.sudo().write({"state": "approved"})

    def action_sign(self):
        """Approved -> Signed on paper: the scanned signed copy, attached after
        the approval, is the signed document (its SHA-256 kept); active at
        once when the start date is reached."""
        self._check_state(("approved",), self.env._("Signing"))
        self._check_contract_manager(self.env._("Signature"))
        scans = (
            self.env["ir.attachment"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", self.ids),
                    ("res_field", "=", False),
                ],
                order="id desc",
            )
        )
        by_contract = scans.grouped("res_id")
        for contract in self:
            scan = by_contract.get(contract.id, scans.browse()).filtered(
                lambda a, contract=contract: a.create_date >= contract.approved_date
            )[:1]
            if not scan:
                raise UserError(
                    self.env._(
                        "Contract %(contract)s (%(amount)s) cannot be signed on "
                        "paper without the scanned signed copy: attach it after "
                        "the approval of %(approved)s, then sign.",
                        contract=contract.display_name,
                        amount=contract._format_amount(contract.amount_total),
                        approved=format_datetime(self.env, contract.approved_date),
                    )
                )
            contract._set_signed(
                scan, scan.raw, signed_by=contract.partner_id.display_name
            )
            contract._control_note(
                self.env._(
                    "Signed on paper, recorded by %(user)s: scanned copy %(file)s "
                    "(SHA-256 %(hash)s).",
                    user=self.env.user.name,
                    file=scan.name,
                    hash=contract.signature_hash,
                )
            )
        self._activate_signed()
        return True

    def _set_signed(self, attachment, content, signed_by, signature=False):
        """Approved -> Signed with ``attachment`` (holding ``content``) as the
        signed document; logged."""
        self.ensure_one()
        digest = hashlib.sha256(content or b"").hexdigest()
        self.sudo().write(
            {
                "state": "signed",
                "signed_date": fields.Date.context_today(self),
                "signed_on": fields.Datetime.now(),
                "signed_by": signed_by,
                "customer_signature": signature,
                "signed_attachment_id": attachment.id,
                "signature_hash": digest,
            }
        )
        self.env["control.log"]._log(
            "approved",
            self,
            self.env["control.log"]._text(
                _lt(
                    "Contract %(contract)s signed by %(signer)s (%(amount)s); signed "
                    "document %(file)s, SHA-256 %(hash)s.",
                    contract=self.display_name,
                    signer=signed_by,
                    amount=self._format_amount(self.amount_total),
                    file=attachment.name,
                    hash=digest,
                )
            ),
            amount=self._approval_get_amount(),
        )

    def _activate_signed(self):
        today = fields.Date.context_today(self)
        self.filtered(lambda c: c.date_start <= today <= c.date_end)._activate()

    # -------------------------------------------------------- portal signature
    def action_send_signature_request(self):
        """Give the customer a new link to read and sign the approved contract
        on the portal (an earlier link stops working); returns it."""
        self.ensure_one()
        self.check_access("write")
        self._check_state(("approved",), self.env._("Asking for the signature"))
        self.sudo().write(
            {
                "access_token": str(uuid.uuid4()),
                "signature_request_date": fields.Datetime.now(),
            }
        )
        url = self.get_base_url() + self.get_portal_url()
        self._control_note(
            self.env._(
                "Signature link for %(partner)s, valid %(days)s days: %(url)s",
                partner=self.partner_id.display_name,
                days=self.company_id._control_setting("contract_signature_link_days"),
                url=url,
            )
        )
        return {"type": "ir.actions.act_url", "url": url, "target": "new"}

    def _portal_link_error(self, access_token):
        """Why ``access_token`` may not sign this contract, or False."""
        self.ensure_one()
        if not access_token or not consteq(
            str(access_token), self.sudo().access_token or ""
        ):
            return self.env._(
                "This link does not open contract %(contract)s (wrong access token).",
                contract=self.display_name,
            )
        days = self.company_id._control_setting("contract_signature_link_days")
        requested = self.signature_request_date
        if not requested or requested + timedelta(days=days) < fields.Datetime.now():
            return self.env._(
                "The signature link of contract %(contract)s has expired (valid "
                "%(days)s days); ask %(company)s for a new one.",
                contract=self.display_name,
                days=days,
                company=self.company_id.name,
            )
        return False

    def _portal_sign_error(self, access_token):
        self.ensure_one()
        if self.state != "approved":
            return self.env._(
                "Contract %(contract)s is %(state)s: only an approved contract "
                "can be signed.",
                contract=self.display_name,
                state=self._state_label(),
            )
        return self._portal_link_error(access_token)

    def _portal_sign(self, access_token, name, signature, ip_address):
        """The customer signs on the portal (called in sudo by the portal's
        route): the PDF of the contract with the signature is rendered,
        attached and hashed; the signer, IP and time go to the chatter.

        :return: False, or the reason it was refused (logged, nothing changed)
        """
        self.ensure_one()
        # Two signatures sent at the same moment: the second waits, then sees
        # the contract signed.
        self.env["control.log"]._lock_for_check(self)
        error = self._portal_sign_error(access_token)
        if not error and not (name or "").strip():
            error = self.env._(
                "Contract %(contract)s: the signer's name is missing.",
                contract=self.display_name,
            )
        if not error:
            try:
                base64.b64decode(signature or "", validate=True)
                base64_to_image(signature or "")
            except (ValueError, UserError):
                signature = False
            if not signature:
                error = self.env._(
                    "Contract %(contract)s: the signature is missing or invalid.",
                    contract=self.display_name,
                )
        if error:
            self.env["control.log"]._log_detached(
                "blocked",
                self,
                self.env._("Portal signature refused: %(error)s", error=error),
            )
            return error
        name = name.strip()
        now = fields.Datetime.now()
        # The signature and signer are on the record when the PDF is rendered.
        self.write(
            {"customer_signature": signature, "signed_by": name, "signed_on": now}
        )
        pdf, _type = (
            self.env["ir.actions.report"]
            .sudo()
            ._render_qweb_pdf("contract_lifecycle.contract_contract_report", self.ids)
        )
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": self.env._(
                        "%(contract)s - signed.pdf", contract=self.display_name
                    ),
                    "raw": pdf,
                    "res_model": self._name,
                    "res_id": self.id,
                    "mimetype": "application/pdf",
                }
            )
        )
        self._set_signed(attachment, pdf, signed_by=name, signature=signature)
        self._control_note(
            self.env._(
                "Signed on the portal by %(signer)s from IP address %(ip)s on "
                "%(time)s (UTC); signed PDF %(file)s, SHA-256 %(hash)s.",
                signer=name,
                ip=ip_address or "-",
                time=fields.Datetime.to_string(now),
                file=attachment.name,
                hash=self.signature_hash,
            )
        )
        self._activate_signed()
        return False

    def action_check_signature(self):
        """The verification, as a notification in the web client."""
        valid = self.action_verify_signature()
        if valid:
            message = self.env._(
                "The signed document of %(contract)s matches its SHA-256.",
                contract=self.display_name,
            )
        else:
            message = self.env._(
                "The signed document of %(contract)s is missing or no longer "
                "matches the SHA-256 recorded at the signature.",
                contract=self.display_name,
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if valid else "danger",
                "sticky": not valid,
                "message": message,
            },
        }

    def action_verify_signature(self):
        """Whether the signed document attached still matches the SHA-256
        recorded at the signature (False when it was changed or removed)."""
        self.ensure_one()
        self.check_access("read")
        contract = self.sudo()
        attachment = contract.signed_attachment_id.exists()
        if not contract.signature_hash or not attachment:
            return False
        return consteq(
            hashlib.sha256(attachment.raw or b"").hexdigest(), contract.signature_hash
        )

    def _activate(self):
        """Signed -> Active; the earlier versions it replaces are superseded.

        Of several versions of one contract activated together, only the
        latest becomes active: only one version is ever active.
        """
        latest = self.filtered(
            lambda c: (
                not any(
                    other.origin_id == c.origin_id and other.version > c.version
                    for other in self
                )
            )
        )
        latest.sudo().write({"state": "active"})
        for contract in latest:
            previous = contract.version_ids.filtered(
                lambda v, contract=contract: (
                    v.version < contract.version
                    and v.state in ("signed", "active", "approved")
                )
            )
            if not previous:
                continue
            reason = self.env._(
                "Superseded by version %(version)s (%(contract)s).",
                version=contract.version,
                contract=contract.display_name,
            )
            previous.sudo().write(
                {
                    "state": "terminated",
                    "superseded_by_id": contract.id,
                    "termination_reason": reason,
                }
            )
            for old in previous:
                old._control_note(reason)
            contract._take_over_renewal(previous)
            # Open documents follow the contract to its new version.
            contract._take_over_draft_invoices(previous)
            self.env["sale.order"].sudo().search(
                [
                    ("contract_id", "in", previous.ids),
                    ("state", "in", ("draft", "sent", "sale")),
                ]
            ).write({"contract_id": contract.id})

    def _take_over_draft_invoices(self, previous):
        """Draft invoices of the superseded versions move to this one, each
        to the milestone carried from its own (none if it was dropped)."""
        self.ensure_one()
        drafts = (
            self.env["account.move"]
            .sudo()
            .search([("contract_id", "in", previous.ids), ("state", "=", "draft")])
        )
        carried = {
            milestone.origin_milestone_id.id: milestone
            for milestone in self.sudo().milestone_ids
        }
        targets = drafts.grouped(
            lambda m: carried.get(
                m.contract_milestone_id.origin_milestone_id.id,
                self.env["contract.milestone"],
            )
        )
        for milestone, moves in targets.items():
            moves.write({"contract_id": self.id, "contract_milestone_id": milestone.id})

    def _take_over_renewal(self, previous):
        """The renewal reminder belongs to the version in force (once per
        contract): the open reminders of the versions it supersedes move to it
        if it ends on the same date (and count as sent), else they are
        dropped and the cron reminds again before the new end date."""
        self.ensure_one()
        activity_type = self.env.ref(
            "contract_lifecycle.mail_activity_type_contract_renewal"
        )
        reminders = previous.sudo().activity_ids.filtered(
            lambda a: a.activity_type_id == activity_type
        )
        same_end = previous.filtered(lambda v: v.date_end == self.date_end)
        sent = same_end.filtered("renewal_activity_date")
        if same_end:
            reminders.filtered(lambda a: a.res_id in same_end.ids).write(
                {"res_id": self.id}
            )
        (reminders - reminders.filtered(lambda a: a.res_id == self.id)).unlink()
        # res_id is a plain reference: the one2many caches do not follow it.
        (previous | self).invalidate_recordset(["activity_ids"])
        if sent and not self.renewal_activity_date:
            self.sudo().renewal_activity_date = max(
                sent.mapped("renewal_activity_date")
            )

    def action_terminate(self, reason=False):
        """Any non-final state -> Terminated, with a reason (required)."""
        if not reason or not str(reason).strip():
            raise UserError(
                self.env._(
                    "Terminating contract %(contract)s needs a reason.",
                    contract=", ".join(self.mapped("display_name")),
                )
            )
        self._check_state(
            ("draft", "to_approve", "approved", "signed", "active"),
            self.env._("Termination"),
        )
        self._check_contract_manager(self.env._("Termination"))
        for contract in self.filtered(lambda c: c.approval_state == "pending"):
            contract._approval_end_round("none")
        self.sudo().write({"state": "terminated", "termination_reason": reason})
        for contract in self:
            contract._control_note(
                body=self.env._(
                    "Terminated by %(user)s: %(reason)s",
                    user=self.env.user.name,
                    reason=reason,
                )
            )
        return True

    def action_amend(self):
        """Create the next version as a draft; this one stays as history."""
        self.ensure_one()
        self.check_access("write")
        self._check_state(("signed", "active"), self.env._("Amending"))
        if self.next_version_id:
            raise UserError(
                self.env._(
                    "Contract %(contract)s already has a version %(version)s "
                    "(%(state)s); amend that one.",
                    contract=self.display_name,
                    version=self.next_version_id.version,
                    state=self.next_version_id._state_label(),
                )
            )
        new = self.sudo().copy(
            {
                "name": self.name,
                "version": max(self.version_ids.mapped("version")) + 1,
                "previous_version_id": self.id,
                "date_start": max(self.date_start, fields.Date.context_today(self)),
            }
        )
        self.env["contract.milestone"].sudo().create(
            [
                {
                    "contract_id": new.id,
                    "sequence": milestone.sequence,
                    "name": milestone.name,
                    "date_due": milestone.date_due,
                    "amount": milestone.amount,
                    "previous_milestone_id": milestone.id,
                }
                for milestone in self.milestone_ids
            ]
        )
        new._check_payment_plan()
        new = new.sudo(self.env.su)
        new._control_note(
            body=self.env._(
                "Amendment of %(contract)s (version %(version)s).",
                contract=self.display_name,
                version=self.version,
            )
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": new.id,
            "view_mode": "form",
        }

    def action_renew(self):
        """Start the amendment for the next period: a new draft version from
        the day after the end date, for as long as the current period (its
        amount and payment plan to be completed before submission)."""
        self.ensure_one()
        start = self.date_end + timedelta(days=1) if self.date_end else False
        try:
            end = start + (self.date_end - self.date_start)
        except (OverflowError, TypeError):
            raise UserError(
                self.env._(
                    "Contract %(contract)s cannot be renewed: its next period "
                    "would end after the last date the calendar holds.",
                    contract=self.display_name,
                )
            ) from None
        action = self.action_amend()
        new = self.browse(action["res_id"]).sudo()
        # Dates of a draft version: the amendment's own write, in sudo (the
        # previous version stays signed or active until it is replaced).
        new.write({"date_start": start, "date_end": end})
        new._control_note(
            self.env._(
                "Renewal of %(contract)s for %(start)s - %(end)s: set the amount "
                "and the payment plan of the new period, then submit.",
                contract=self.display_name,
                start=format_date(self.env, start),
                end=format_date(self.env, end),
            )
        )
        self.sudo().activity_feedback(
            ["contract_lifecycle.mail_activity_type_contract_renewal"],
            feedback=self.env._(
                "Renewal started: %(contract)s", contract=new.display_name
            ),
        )
        return action

    def action_draft(self):
        """To Approve or Approved -> Draft (to correct it), voiding the approval.

        An approved contract goes back to draft by a contract manager only.
        """
        self.check_access("write")
        self._check_state(("to_approve", "approved"), self.env._("Resetting to draft"))
        approved = self.filtered(lambda c: c.state == "approved")
        if approved:
            approved._check_contract_manager(self.env._("Resetting to draft"))
        for contract in self.filtered(
            lambda c: c.approval_state in ("pending", "approved")
        ):
            contract._approval_end_round("none")
        self.sudo().write(
            {"state": "draft", "approved_by_id": False, "approved_date": False}
        )
        return True

    # ---------------------------------------------------- invoice validation
    @api.model
    def _check_documents(self, items):
        """Check documents against their contracts, in one batch.

        :param items: list of ``(document, contract, amount, partner,
            currency)``; ``amount`` in the document's currency.
        Locks the contracts (concurrent checks on the same contract
        serialize), then one grouped query gives what is invoiced; the
        documents of the batch add up in order. A failure writes a
        ``blocked`` log line that survives the rollback, and raises.
        """
        contracts = self.browse().union(*(item[1] for item in items)).sudo()
        if not contracts:
            return
        # Lock every version: the invoiced total is counted over the family.
        families = contracts._families()
        self.env["control.log"]._lock_for_check(
            contracts.browse().union(*families.values())
        )
        invoiced = contracts._family_invoiced()
        added = defaultdict(float)
        for document, contract, amount, partner, currency in items:
            contract = contract.sudo()
            message = contract._document_error(
                document,
                amount,
                partner,
                currency,
                invoiced[contract.id]["invoiced"] + added[contract.origin_id.id],
            )
            if message:
                self.env["control.log"]._log_detached(
                    "blocked",
                    document,
                    message,
                    amount=abs(
                        currency._convert(
                            amount,
                            document.company_id.currency_id,
                            document.company_id,
                            fields.Date.context_today(self),
                        )
                    ),
                )
                raise UserError(message)
            added[contract.origin_id.id] += amount

    def _document_error(self, document, amount, partner, currency, invoiced):
        """The reason ``document`` may not use this contract, or False.

        Refunds are always allowed against the contract's state and amount,
        but they must still be of its kind, partner and currency.
        """
        self.ensure_one()
        fmt = self._format_amount
        move_type = document._name == "account.move" and document.move_type
        refund = move_type in ("out_refund", "in_refund")
        purchase = move_type in INVOICE_TYPES["purchase"]
        kind = "purchase" if purchase else "sale"
        if kind != self.contract_type:
            kinds = dict(self._fields["contract_type"]._description_selection(self.env))
            return self.env._(
                "%(document)s cannot use contract %(contract)s: it is a "
                "%(contract_kind)s, and this document needs a %(kind)s.",
                document=document.display_name,
                contract=self.display_name,
                contract_kind=kinds[self.contract_type],
                kind=kinds[kind],
            )
        if not refund and self.state not in ("signed", "active"):
            return self.env._(
                "%(document)s cannot use contract %(contract)s: the contract is "
                "%(state)s, it must be signed or active.",
                document=document.display_name,
                contract=self.display_name,
                state=self._state_label(),
            )
        if partner.commercial_partner_id != self.partner_id.commercial_partner_id:
            return self.env._(
                "%(document)s is for %(partner)s but contract %(contract)s is "
                "with %(contract_partner)s.",
                document=document.display_name,
                partner=partner.commercial_partner_id.display_name,
                contract=self.display_name,
                contract_partner=self.partner_id.commercial_partner_id.display_name,
            )
        if currency != self.currency_id:
            return self.env._(
                "%(document)s is in %(currency)s but contract %(contract)s is in "
                "%(contract_currency)s.",
                document=document.display_name,
                currency=currency.name,
                contract=self.display_name,
                contract_currency=self.currency_id.name,
            )
        tolerance = self.company_id._control_setting("contract_invoice_tolerance_pct")
        ceiling = self.amount_total * (1 + tolerance / 100.0)
        exceeds = self.currency_id.compare_amounts(invoiced + amount, ceiling) > 0
        if exceeds and not refund:
            return self.env._(
                "%(document)s would exceed contract %(contract)s: contract amount "
                "%(amount)s (tolerance %(tolerance)s%%, ceiling %(ceiling)s), "
                "already invoiced %(invoiced)s, this document adds %(added)s, "
                "remaining %(remaining)s.",
                document=document.display_name,
                contract=self.display_name,
                amount=fmt(self.amount_total),
                tolerance=tolerance,
                ceiling=fmt(ceiling),
                invoiced=fmt(invoiced),
                added=fmt(amount),
                remaining=fmt(ceiling - invoiced),
            )
        return False

    def _format_amount(self, amount):
        return format_amount(self.env, amount, self.currency_id)

    # --------------------------------------------------------------- smart btns
    def action_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
            if self.contract_type == "sale"
            else "account.action_move_in_invoice_type"
        )
        action["domain"] = [("contract_id", "in", self.version_ids.ids)]
        action["context"] = {
            "default_contract_id": self.id,
            "default_partner_id": self.partner_id.id,
            "default_move_type": "out_invoice"
            if self.contract_type == "sale"
            else "in_invoice",
        }
        return action

    def action_view_sale_orders(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("sale.action_orders")
        action["domain"] = [("contract_id", "in", self.version_ids.ids)]
        action["context"] = {
            "default_contract_id": self.id,
            "default_partner_id": self.partner_id.id,
        }
        return action

    def action_view_versions(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Versions of %(contract)s", contract=self.name),
            "res_model": self._name,
            "view_mode": "list,form",
            "domain": [("id", "in", self.version_ids.ids)],
        }

    # ------------------------------------------------------------------- cron
    @api.model
    def _cron_contract_lifecycle(self):
        """Daily: activate, expire, renewal activities, risk levels."""
        today = fields.Date.context_today(self)
        to_activate = self.search(
            [
                ("state", "=", "signed"),
                ("date_start", "<=", today),
                ("date_end", ">=", today),
            ]
        )
        to_activate._activate()
        to_expire = self.search(
            [("state", "in", ("signed", "active")), ("date_end", "<", today)]
        )
        to_expire.sudo().write({"state": "expired"})
        to_renew = self.search(
            [("state", "=", "active"), ("renewal_activity_date", "=", False)]
        )
        # Days compared as numbers: no date arithmetic to overflow, whatever
        # notice a contract stored before the constraint existed.
        to_renew = to_renew.filtered(
            lambda c: (c.date_end - today).days <= c.renewal_notice_days
        )
        for contract in to_renew:
            # One contract that fails never stops the reminders of the others.
            try:
                with self.env.cr.savepoint():
                    contract._schedule_renewal(today)
            except Exception:  # noqa: BLE001 logged, the job goes on
                _logger.exception(
                    "Contract %s: the renewal reminder could not be scheduled",
                    contract.display_name,
                )
        watched = self.search([("state", "in", ("signed", "active", "expired"))])
        self.env.add_to_compute(self._fields["risk_level"], watched)
        self.env.add_to_compute(self._fields["overdue_amount"], watched)
        watched._recompute_recordset(["risk_level", "overdue_amount"])
        return True

    def _schedule_renewal(self, today):
        activity_type = self.env.ref(
            "contract_lifecycle.mail_activity_type_contract_renewal"
        )
        for contract in self:
            contract.activity_schedule(
                activity_type_id=activity_type.id,
                user_id=(contract.user_id or contract.create_uid).id,
                date_deadline=contract.date_end,
                summary=self.env._(
                    "Renew %(contract)s (ends %(end)s)",
                    contract=contract.display_name,
                    end=format_date(self.env, contract.date_end),
                ),
            )
        self.sudo().write({"renewal_activity_date": today})

    # ------------------------------------------------------------------ export
    def _ledger_rows(self):
        """One row per posted invoice or refund, with running totals."""
        families = self._families()
        versions = self.browse().union(*families.values())
        moves = (
            self.env["account.move"]
            .sudo()
            .search(
                [("contract_id", "in", versions.ids), ("state", "=", "posted")],
                order="invoice_date, id",
            )
        )
        moves_by_contract = moves.grouped("contract_id")
        rows = []
        type_labels = dict(
            self.env["account.move"]
            ._fields["move_type"]
            ._description_selection(self.env)
        )
        for contract in self.sorted(lambda c: (c.name, c.version)):
            cumulative = 0.0
            family = families[(contract.origin_id or contract).id]
            family_moves = (
                self.env["account.move"]
                .sudo()
                .union(*(moves_by_contract.get(v, moves.browse()) for v in family))
                .sorted(lambda m: (m.invoice_date or m.date, m.id))
            )
            rows.append(
                (
                    contract.display_name,
                    contract.version,
                    contract.partner_id.display_name,
                    contract._state_label(),
                    contract.currency_id.name,
                    contract.amount_total,
                    "",
                    False,
                    "",
                    False,
                    False,
                    False,
                    contract.amount_invoiced,
                    contract.amount_remaining,
                )
            )
            for move in family_moves:
                sign = -1 if move.move_type.endswith("refund") else 1
                cumulative += sign * move.amount_total
                rows.append(
                    (
                        contract.display_name,
                        move.contract_id.version,
                        move.partner_id.display_name,
                        contract._state_label(),
                        move.currency_id.name,
                        False,
                        move.name,
                        move.invoice_date,
                        type_labels.get(move.move_type, move.move_type),
                        sign * move.amount_total,
                        sign * (move.amount_total - move.amount_residual),
                        move.invoice_date_due,
                        cumulative,
                        contract.amount_total - cumulative,
                    )
                )
        return rows

    def _ledger_headers(self):
        _ = self.env._
        return [
            (_("Contract"), "text"),
            (_("Version"), "number"),
            (_("Partner"), "text"),
            (_("Status"), "text"),
            (_("Currency"), "text"),
            (_("Contract Amount"), "monetary"),
            (_("Document"), "text"),
            (_("Date"), "date"),
            (_("Type"), "text"),
            (_("Amount"), "monetary"),
            (_("Paid"), "monetary"),
            (_("Due Date"), "date"),
            (_("Invoiced (cumulative)"), "monetary"),
            (_("Remaining"), "monetary"),
        ]

    def action_export_ledger(self):
        """Download the contract ledger (xlsx) of the selected contracts."""
        return self.env["control.xlsx.export"]._xlsx_action(
            "contract_ledger.xlsx",
            self.env._("Contract Ledger"),
            self._ledger_headers(),
            self._ledger_rows(),
        )
