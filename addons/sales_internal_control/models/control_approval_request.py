from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_amount
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

REQUEST_STATES = [
    ("waiting", "Waiting"),
    ("pending", "To Decide"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("cancelled", "Voided"),
]


class ControlApprovalRequest(models.Model):
    """One tier of one approval round of one document.

    Requests are created and changed only by the engine (in sudo, after the
    checks of :meth:`_check_can_decide`); users call the ``action_*`` methods.
    The requests of a finished round (rejected, voided, re-requested) are
    archived and stay readable as history.
    """

    _name = "control.approval.request"
    _description = "Approval Request"
    _order = "create_date desc, res_model, res_id, sequence, id"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name")
    active = fields.Boolean(default=True, readonly=True)
    res_model = fields.Char(
        string="Document Model", required=True, readonly=True, index=True
    )
    res_id = fields.Many2oneReference(
        string="Document ID",
        model_field="res_model",
        required=True,
        readonly=True,
        index=True,
    )
    res_name = fields.Char(string="Document", readonly=True)
    rule_id = fields.Many2one("control.approval.rule", readonly=True, index=True)
    tier_id = fields.Many2one(
        "control.approval.tier", string="Rule Tier", readonly=True
    )
    sequence = fields.Integer(readonly=True)
    # A copy of the tier's name with all its translations, made when the
    # round starts: each approver reads it in his language, and renaming the
    # rule's tier later does not rewrite history.
    tier_name = fields.Char(string="Tier", readonly=True, translate=True)
    group_id = fields.Many2one("res.groups", string="Approver Group", readonly=True)
    user_id = fields.Many2one("res.users", string="Approver", readonly=True)
    state = fields.Selection(
        REQUEST_STATES, required=True, default="waiting", readonly=True, index=True
    )
    requested_by_id = fields.Many2one(
        "res.users", required=True, readonly=True, index=True
    )
    decided_by_id = fields.Many2one("res.users", readonly=True)
    decision_date = fields.Datetime(readonly=True)
    comment = fields.Text(readonly=True)
    emergency = fields.Boolean(readonly=True)
    amount = fields.Monetary(readonly=True, currency_field="currency_id")
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    can_decide = fields.Boolean(
        compute="_compute_can_decide", search="_search_can_decide"
    )
    partner_id = fields.Many2one(
        "res.partner",
        readonly=True,
        index=True,
        help="The commercial partner of the document (customer, vendor).",
    )
    match_facts = fields.Json(
        readonly=True,
        help="Why the rule applies, as facts stored by the engine when it "
        "created the request (the conditions the document met).",
    )

    @api.depends("res_name", "tier_name")
    def _compute_name(self):
        for request in self:
            request.name = f"{request.res_name} - {request.tier_name}"

    @api.depends_context("uid")
    @api.depends("state", "user_id", "group_id", "requested_by_id")
    def _compute_can_decide(self):
        user = self.env.user
        for request in self:
            request.can_decide = (
                request.state == "pending"
                and request.requested_by_id != user
                and request._is_approver(user)
            )

    def _search_can_decide(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on can_decide."))
        user = self.env.user
        domain = [
            ("state", "=", "pending"),
            ("requested_by_id", "!=", user.id),
            "|",
            ("user_id", "=", user.id),
            "&",
            ("user_id", "=", False),
            ("group_id", "in", user.groups_id.ids),
        ]
        return domain if (operator == "=") == value else ["!", *domain]

    def _copy_tier_name_translations(self):
        """Give the requests their tier's name in every language (one query
        for the round)."""
        with_tier = self.filtered("tier_id")
        if not with_tier:
            return
        self.env["control.approval.tier"].flush_model(["name"])
        with_tier.flush_recordset(["tier_name"])
        self.env.cr.execute(
            SQL(
                "UPDATE control_approval_request AS r SET tier_name = t.name "
                "FROM control_approval_tier AS t "
                "WHERE r.tier_id = t.id AND r.id IN %s",
                tuple(with_tier.ids),
            )
        )
        with_tier.invalidate_recordset(["tier_name"])

    # ------------------------------------------------------------------ checks
    def _is_approver(self, user):
        self.ensure_one()
        if self.user_id:
            return self.user_id == user
        return self.group_id in user.groups_id

    def _get_document(self):
        """The document, in sudo: the engine acts once the checks passed."""
        self.ensure_one()
        return self.env[self.res_model].sudo().browse(self.res_id)

    def _check_can_decide(self, emergency=False, approving=True):
        """Refuse decisions out of order, by non-approvers or by the requester,
        and decisions the segregation-of-duties rules keep from this user
        (two-factor authentication, transaction rules when ``approving``)."""
        user = self.env.user
        for request in self:
            if request.state not in ("waiting", "pending"):
                raise UserError(
                    self.env._(
                        "The request %(request)s is already %(state)s.",
                        request=request.name,
                        state=dict(REQUEST_STATES)[request.state],
                    )
                )
            if request.requested_by_id == user:
                raise UserError(
                    self.env._(
                        "Segregation of duties: %(user)s requested the approval of "
                        "%(document)s and cannot decide it.",
                        user=user.name,
                        document=request.res_name,
                    )
                )
            if emergency:
                continue
            if request.state == "waiting":
                previous = request._get_round().filtered(lambda r: r.state == "pending")
                raise UserError(
                    self.env._(
                        "Tier %(tier)s of %(document)s cannot be decided before "
                        "tier %(previous)s.",
                        tier=request.tier_name,
                        document=request.res_name,
                        previous=", ".join(previous.mapped("tier_name")),
                    )
                )
            if not request._is_approver(user):
                raise AccessError(
                    self.env._(
                        "%(user)s may not decide tier %(tier)s of %(document)s: it "
                        "is for %(approver)s.",
                        user=user.name,
                        tier=request.tier_name,
                        document=request.res_name,
                        approver=request.user_id.name or request.group_id.full_name,
                    )
                )
        for request in self:
            request._get_document()._sod_check_decider(
                user,
                self.env._("approve") if approving else self.env._("reject"),
                approving=approving,
            )

    def _get_round(self):
        """The active requests of the same document (the current round)."""
        self.ensure_one()
        return self.sudo().search(
            [("res_model", "=", self.res_model), ("res_id", "=", self.res_id)]
        )

    # ----------------------------------------------------------------- actions
    def action_approve(self, comment=False):
        """Approve; returns False when a request was void (its total rose).

        From the web client's buttons (context ``approval_feedback``), returns
        a notification instead: what happened, the next tier, or the refusal
        of the document's action after the last tier (a block by another
        control, which the approver must see).
        """
        self._check_can_decide()
        voided = False
        blocks = []
        for request in self:
            if request._get_document()._approval_check_amount():
                voided = True
                continue
            request.sudo().write(
                {
                    "state": "approved",
                    "decided_by_id": self.env.uid,
                    "decision_date": fields.Datetime.now(),
                    "comment": comment or False,
                }
            )
            document = request._get_document()
            amount = format_amount(self.env, request.amount, request.currency_id)
            message = self.env["control.log"]._text(
                _lt(
                    "Tier %(tier)s approved by %(user)s for %(amount)s.",
                    tier=request.tier_name,
                    user=self.env.user.name,
                    amount=amount,
                )
            )
            if comment:
                message = self.env["control.log"]._text(
                    _lt("%(decision)s %(comment)s", decision=message, comment=comment)
                )
            document._approval_close_activities()
            document._control_note(message)
            self.env["control.log"]._log(
                "approved", document, message, amount=request.amount
            )
            blocks += document._approval_next(request) or []
        if self.env.context.get("approval_feedback"):
            return self._approval_feedback(voided, blocks)
        return not voided

    def _approval_feedback(self, voided, blocks):
        """The notification shown to the approver after approving."""
        if blocks:
            kind, title = "danger", self.env._("Approved, but not completed")
            message = "\n".join(message for _document, message in blocks)
        elif voided:
            kind, title = "warning", self.env._("Approval void")
            message = self.env._(
                "The total of %(documents)s changed since the request: the "
                "approval round starts again (see the document's chatter).",
                documents=", ".join(self.mapped("res_name")),
            )
        else:
            kind, title = "success", self.env._("Approved")
            lines = []
            for request in self:
                following = request._get_round().filtered(
                    lambda r: r.state == "pending"
                )
                if following:
                    lines.append(
                        self.env._(
                            "Tier %(tier)s of %(document)s approved; next: %(next)s.",
                            tier=request.tier_name,
                            document=request.res_name,
                            next=", ".join(following.mapped("tier_name")),
                        )
                    )
                else:
                    lines.append(
                        self.env._(
                            "Tier %(tier)s of %(document)s approved; the "
                            "document is approved.",
                            tier=request.tier_name,
                            document=request.res_name,
                        )
                    )
            message = "\n".join(lines)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title,
                "message": message,
                "type": kind,
                "sticky": kind != "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_reject(self, reason):
        if not reason or not str(reason).strip():
            raise UserError(
                self.env._(
                    "A reason is required to reject %(requests)s.",
                    requests=", ".join(self.mapped("name")),
                )
            )
        self._check_can_decide(approving=False)
        for request in self:
            request.sudo().write(
                {
                    "state": "rejected",
                    "decided_by_id": self.env.uid,
                    "decision_date": fields.Datetime.now(),
                    "comment": reason,
                }
            )
            document = request._get_document()
            message = self.env["control.log"]._text(
                _lt(
                    "Tier %(tier)s rejected by %(user)s: %(reason)s",
                    tier=request.tier_name,
                    user=self.env.user.name,
                    reason=reason,
                )
            )
            document._approval_close_activities()
            document._control_note(message)
            self.env["control.log"]._log(
                "rejected", document, message, amount=request.amount
            )
            document._approval_end_round("rejected")
            document._approval_notify_requester(
                request.requested_by_id,
                "rejected",
                tier=request.tier_name,
                user=self.env.user.name,
                reason=reason,
            )
        return True

    def action_emergency_approve(self, reason):
        if not self.env.user.has_group(
            "sales_internal_control.group_emergency_approver"
        ):
            raise AccessError(
                self.env._(
                    "Only emergency approvers may approve %(requests)s at once.",
                    requests=", ".join(self.mapped("name")),
                )
            )
        if not reason or not str(reason).strip():
            raise UserError(
                self.env._(
                    "A reason is required for the emergency approval of %(requests)s.",
                    requests=", ".join(self.mapped("name")),
                )
            )
        self._check_can_decide(emergency=True)
        documents = {}
        blocks = []
        for request in self:
            documents.setdefault((request.res_model, request.res_id), request)
        for request in documents.values():
            document = request._get_document()
            if document._approval_check_amount():
                continue
            remaining = request._get_round().filtered(
                lambda r: r.state in ("waiting", "pending")
            )
            remaining._check_can_decide(emergency=True)
            remaining.sudo().write(
                {
                    "state": "approved",
                    "emergency": True,
                    "decided_by_id": self.env.uid,
                    "decision_date": fields.Datetime.now(),
                    "comment": reason,
                }
            )
            message = self.env["control.log"]._text(
                _lt(
                    "Emergency approval by %(user)s of tiers %(tiers)s for %(amount)s: "
                    "%(reason)s",
                    user=self.env.user.name,
                    tiers=", ".join(remaining.mapped("tier_name")),
                    amount=format_amount(self.env, request.amount, request.currency_id),
                    reason=reason,
                )
            )
            document._approval_close_activities()
            document._control_note(message)
            self.env["control.log"]._log(
                "emergency_approved", document, message, amount=request.amount
            )
            document._approval_schedule_review(message)
            blocks += document._approval_next(remaining[-1:]) or []
        if blocks and self.env.context.get("approval_feedback"):
            return self._approval_feedback(False, blocks)
        return True

    def action_open_document(self):
        self.ensure_one()
        return self.env["control.log"]._document_action(self.res_model, self.res_id)

    def _action_open_reason_wizard(self, mode):
        if mode == "reject":
            title = self.env._(
                "Reject %(documents)s", documents=", ".join(self.mapped("res_name"))
            )
        else:
            title = self.env._(
                "Emergency approval of %(documents)s",
                documents=", ".join(self.mapped("res_name")),
            )
        return {
            "name": title,
            "type": "ir.actions.act_window",
            "res_model": "control.approval.reason",
            "view_mode": "form",
            "target": "new",
            "context": {"default_request_ids": self.ids, "default_mode": mode},
        }

    def action_open_reject_wizard(self):
        return self._action_open_reason_wizard("reject")

    def action_open_emergency_wizard(self):
        return self._action_open_reason_wizard("emergency")
