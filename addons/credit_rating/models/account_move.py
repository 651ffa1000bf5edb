from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools.sql import create_index

# Set by the dunning run only (as superuser).
DUNNING_ENGINE_FIELDS = ("dunning_level_id", "dunning_date")
# A promise to pay: salespeople (and accountants, credit controllers), with a note.
DUNNING_PROMISE_FIELDS = ("dunning_promise_date", "dunning_promise_note")
# A dispute: credit controllers only, with a reason.
DUNNING_DISPUTE_FIELDS = ("dunning_dispute", "dunning_dispute_reason")


class AccountMove(models.Model):
    _inherit = "account.move"

    dunning_level_id = fields.Many2one(
        "credit.dunning.level",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="Highest dunning level this invoice reached; only goes up.",
    )
    dunning_date = fields.Date(
        string="Last Dunned",
        copy=False,
        readonly=True,
        help="Date of the last dunning communication that raised this invoice's level.",
    )
    dunning_promise_date = fields.Date(
        string="Promised Payment Date",
        copy=False,
        tracking=True,
        help="The customer promised to pay by this date: no dunning before it.",
    )
    dunning_promise_note = fields.Text(
        string="Promise Note",
        copy=False,
        help="Who promised what, when (required with a promise date).",
    )
    dunning_dispute = fields.Boolean(
        string="Disputed",
        copy=False,
        tracking=True,
        help="Disputed invoices are not dunned (set by credit controllers).",
    )
    dunning_dispute_reason = fields.Text(string="Dispute Reason", copy=False)
    dunning_days_late = fields.Integer(
        string="Days Late",
        compute="_compute_dunning_days_late",
        help="Days since the due date of this open invoice (0 when not due).",
    )

    def init(self):
        res = super().init()
        # Draft customer invoices are a bucket of the credit exposure.
        create_index(
            self.env.cr,
            "account_move_credit_draft_partner_index",
            self._table,
            ["commercial_partner_id"],
            where="state = 'draft'",
        )
        return res

    # ------------------------------------------------------------------ computes
    @api.depends("invoice_date_due", "payment_state")
    @api.depends_context("date")
    def _compute_dunning_days_late(self):
        today = fields.Date.context_today(self)
        for move in self:
            due = move.invoice_date_due
            open_ = move.state == "posted" and move.payment_state in (
                "not_paid",
                "partial",
            )
            move.dunning_days_late = max((today - due).days, 0) if due and open_ else 0

    # --------------------------------------------------------------- constraints
    @api.constrains("dunning_promise_date")
    def _check_dunning_promise_date(self):
        today = fields.Date.context_today(self)
        for move in self.filtered("dunning_promise_date"):
            move._check_dunning_customer_invoice()
            if move.dunning_promise_date < today:
                raise ValidationError(
                    self.env._(
                        "The promised payment date of %(move)s (%(date)s) is in the "
                        "past (today is %(today)s).",
                        move=move.display_name,
                        date=move.dunning_promise_date,
                        today=today,
                    )
                )

    @api.constrains("dunning_promise_date", "dunning_promise_note")
    def _check_dunning_promise_note(self):
        for move in self.filtered("dunning_promise_date"):
            if not (move.dunning_promise_note or "").strip():
                raise ValidationError(
                    self.env._(
                        "A promise to pay on %(move)s (by %(date)s) needs a note.",
                        move=move.display_name,
                        date=move.dunning_promise_date,
                    )
                )

    @api.constrains("dunning_dispute", "dunning_dispute_reason")
    def _check_dunning_dispute(self):
        for move in self.filtered("dunning_dispute"):
            move._check_dunning_customer_invoice()
            if not (move.dunning_dispute_reason or "").strip():
                raise ValidationError(
                    self.env._(
                        "A dispute of %(move)s needs a reason.",
                        move=move.display_name,
                    )
                )

    def _check_dunning_customer_invoice(self):
        self.ensure_one()
        if self.move_type != "out_invoice":
            raise ValidationError(
                self.env._(
                    "%(move)s is not a customer invoice: only customer invoices "
                    "take a promise to pay or a dispute.",
                    move=self.display_name,
                )
            )

    # ---------------------------------------------------------------------- CRUD
    def _control_guarded_fields(self):
        fields_ = super()._control_guarded_fields()
        fields_.update(dict.fromkeys(DUNNING_ENGINE_FIELDS, "engine"))
        fields_.update(dict.fromkeys(DUNNING_PROMISE_FIELDS, "dunning_promise"))
        fields_.update(dict.fromkeys(DUNNING_DISPUTE_FIELDS, "dunning_dispute"))
        return fields_

    def _control_guard_allowed(self, guard):
        user = self.env.user
        if guard == "dunning_promise":
            return (
                self.env.su
                or user.has_group("sales_team.group_sale_salesman")
                or user.has_group("account.group_account_invoice")
                or user.has_group("credit_rating.group_credit_controller")
            )
        if guard == "dunning_dispute":
            return self.env.su or user.has_group(
                "credit_rating.group_credit_controller"
            )
        return super()._control_guard_allowed(guard)

    def _control_guard_message(self, guard, field_names):
        values = {
            "fields": ", ".join(self._fields[name].string for name in field_names),
            "user": self.env.user.name,
            "moves": ", ".join(self.mapped("display_name")) or self._description,
        }
        if guard == "dunning_promise":
            return self.env._(
                "Only salespeople, accountants and credit controllers may record a "
                "promise to pay (%(fields)s of %(moves)s, user %(user)s).",
                **values,
            )
        if guard == "dunning_dispute":
            return self.env._(
                "Only credit controllers may mark an invoice as disputed "
                "(%(fields)s of %(moves)s, user %(user)s).",
                **values,
            )
        if set(field_names) & set(DUNNING_ENGINE_FIELDS):
            return self.env._(
                "%(fields)s of %(moves)s are set by the dunning run only (user "
                "%(user)s).",
                **values,
            )
        return super()._control_guard_message(guard, field_names)

    @api.model_create_multi
    def create(self, vals_list):
        moves = super().create(vals_list)
        for move in moves:
            # A promise or a dispute given at creation is logged as well.
            given = {
                name: True
                for name in ("dunning_promise_date", "dunning_dispute")
                if move[name]
            }
            if given:
                move._dunning_log_change(given)
        return moves

    def write(self, vals):
        res = super().write(vals)
        if {"dunning_promise_date", "dunning_dispute"} & vals.keys():
            self._dunning_log_change(vals)
        return res

    # ------------------------------------------------------------------- actions
    def action_dunning_promise(self, promise_date, note):
        """Record the customer's promise to pay these invoices by
        ``promise_date`` (no dunning before it), with ``note``. For
        salespeople, accountants and credit controllers, who may read the
        invoices (a salesperson need not be allowed to edit them)."""
        self._dunning_check_guard("dunning_promise", DUNNING_PROMISE_FIELDS)
        try:
            date = fields.Date.to_date(promise_date) if promise_date else False
        except (TypeError, ValueError):
            date = None
        if date is None or (promise_date and not date):
            raise UserError(
                self.env._(
                    "Promise to pay %(moves)s: %(date)s is not a date.",
                    moves=", ".join(self.mapped("display_name")),
                    date=repr(promise_date),
                )
            )
        self.sudo().write(
            {
                "dunning_promise_date": date,
                "dunning_promise_note": note if date else False,
            }
        )
        return True

    def action_dunning_dispute(self, reason):
        """Mark these invoices as disputed (not dunned), with ``reason``.
        Credit controllers only."""
        self._dunning_check_guard("dunning_dispute", DUNNING_DISPUTE_FIELDS)
        self.sudo().write(
            {"dunning_dispute": True, "dunning_dispute_reason": reason or False}
        )
        return True

    def action_dunning_dispute_close(self):
        """Close the dispute of these invoices: the dunning resumes."""
        self._dunning_check_guard("dunning_dispute", DUNNING_DISPUTE_FIELDS)
        self.sudo().write({"dunning_dispute": False})
        return True

    def _dunning_check_guard(self, guard, field_names):
        if not self._control_guard_allowed(guard):
            raise AccessError(self._control_guard_message(guard, field_names))
        # The records must be readable by the caller (their company, team).
        self.check_access("read")

    def _dunning_log_change(self, vals):
        """A control log line and a chatter note for each promise or dispute."""
        log = self.env["control.log"]
        for move in self:
            messages = []
            if "dunning_promise_date" in vals:
                if move.dunning_promise_date:
                    messages.append(
                        self.env._(
                            "Promise to pay %(move)s by %(date)s recorded by "
                            "%(user)s: %(note)s",
                            move=move.display_name,
                            date=move.dunning_promise_date,
                            user=self.env.user.name,
                            note=move.dunning_promise_note,
                        )
                    )
                else:
                    messages.append(
                        self.env._(
                            "Promise to pay %(move)s removed by %(user)s.",
                            move=move.display_name,
                            user=self.env.user.name,
                        )
                    )
            if "dunning_dispute" in vals:
                if move.dunning_dispute:
                    messages.append(
                        self.env._(
                            "%(move)s disputed (no dunning) by %(user)s: %(reason)s",
                            move=move.display_name,
                            user=self.env.user.name,
                            reason=move.dunning_dispute_reason,
                        )
                    )
                else:
                    messages.append(
                        self.env._(
                            "Dispute of %(move)s closed by %(user)s: dunning resumes.",
                            move=move.display_name,
                            user=self.env.user.name,
                        )
                    )
            for message in messages:
                log._log(
                    "dunning",
                    move,
                    message,
                    amount=move.amount_residual_signed,
                    control="dunning",
                )
                move._message_log(body=message)
