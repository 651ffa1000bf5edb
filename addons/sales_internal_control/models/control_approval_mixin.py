from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount
from odoo.tools.translate import LazyTranslate

from . import control_tools
from .control_tools import write_changes

_lt = LazyTranslate(__name__)


class ControlApprovalMixin(models.AbstractModel):
    """Tiered approvals for a document, plugged in with a few lines.

    A document model inherits this mixin, implements the small hooks
    (``_approval_get_amount``, ``_approval_enabled``, ``_approval_action``) and
    calls :meth:`_approval_route` at the top of its ordinary action (confirm,
    post), running the original action only on the documents it does not
    return. When the last tier is approved, :meth:`_approval_resume` runs the
    original action again.

    Every way of reaching a done state (confirmed, posted) meets
    :meth:`_control_transition`, the one hook where every control (approval,
    credit, budget, contract) plugs in: a ``write`` of ``state`` by any method,
    and a ``create`` given a done state (created in the initial state, then
    written). A change of a document under approval or already done is
    reviewed by comparing its total and largest discount before and after
    (:meth:`_approval_snapshot`, :meth:`_approval_review_change`).
    """

    _name = "control.approval.mixin"
    _inherit = ["control.guarded.mixin", "control.anomaly.mixin", "control.sod.mixin"]
    _description = "Approval Mixin"

    approval_state = fields.Selection(
        [
            ("none", "Not Required"),
            ("pending", "Pending Approval"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
        ],
        default="none",
        required=True,
        copy=False,
        readonly=True,
        tracking=True,
    )
    approval_amount = fields.Float(
        string="Approved Amount",
        copy=False,
        readonly=True,
        help="Total (company currency) the approval covers; a higher total voids it.",
    )
    approval_request_ids = fields.One2many(
        "control.approval.request", compute="_compute_approval_request_ids"
    )
    approval_request_count = fields.Integer(compute="_compute_approval_request_ids")
    approval_can_decide = fields.Boolean(compute="_compute_approval_request_ids")

    def _auto_init(self):
        # _auto_init, not init: Odoo's own init of sale.order and account.move
        # does not call super().
        res = super()._auto_init()
        # A database default too: code that inserts rows without knowing the
        # field (an at_install test, data loaded while upgrading sale before
        # this module) must not hit the NOT NULL constraint.
        if self._auto and not self._abstract and "approval_state" in self._fields:
            self.env.cr.execute(
                SQL(
                    "ALTER TABLE %s ALTER COLUMN approval_state SET DEFAULT 'none'",
                    SQL.identifier(self._table),
                )
            )
        return res

    @api.depends("approval_state")
    def _compute_approval_request_ids(self):
        requests = self.env["control.approval.request"].search(
            [("res_model", "=", self._name), ("res_id", "in", self.ids)]
        )
        by_doc = requests.grouped("res_id")
        for document in self:
            mine = by_doc.get(document.id, requests.browse())
            document.approval_request_ids = mine
            document.approval_request_count = len(mine)
            document.approval_can_decide = any(mine.mapped("can_decide"))

    # ------------------------------------------------------------------- hooks
    def _approval_get_amount(self):
        """Total of the document in company currency."""
        raise NotImplementedError

    def _approval_get_discount(self):
        """Largest line discount in percent (sale orders)."""
        return 0.0

    def _approval_enabled(self):
        """Whether the company applies approvals to this document type."""
        return True

    def _approval_action(self):
        """Run the document's ordinary action again (confirm, post)."""
        raise NotImplementedError

    def _approval_done_states(self):
        """Values of ``state`` the document may only reach once approved
        (confirmed, posted), whatever method writes them."""
        return ()

    def _approval_get_extra_tiers(self):
        """Ad-hoc tiers required beyond the rules (a controller tier for an
        anomaly rule whose action is ``approval``).

        :return: list of dicts with keys ``name`` and ``group_id`` and/or
            ``user_id`` (ids); they come after the rules' tiers.
        """
        return self._anomaly_extra_tiers()

    # ------------------------------------------------------------------ engine
    def _approval_applicable_rules(self):
        """Return ``{document: rules}`` for the rules that apply.

        Bounded: the rule ids are cached (no query once warm), one query
        reads the rules and one their tiers, then one search per rule that
        has a domain, on the ids of this batch; nothing depends on how many
        documents or requests exist.
        """
        Rule = self.env["control.approval.rule"].sudo()
        rules = Rule.browse(
            control_tools.cached(
                Rule,
                "_get_active_rule_ids",
                self._name,
                tuple(sorted(self.company_id.ids)),
            )
        )
        # A rule whose tiers were all deleted cannot be decided: it does not
        # apply (saving such a rule is refused, deleting its last tier too).
        rules = rules.filtered("tier_ids")
        result = defaultdict(lambda: rules.browse())
        if not rules:
            return result
        amounts = {doc: doc._approval_get_amount() for doc in self}
        discounts = (
            {doc: doc._approval_get_discount() for doc in self}
            if any(rules.mapped("discount_min"))
            else {}
        )
        for rule in rules:
            candidates = self.filtered(
                lambda doc, rule=rule: (
                    doc.company_id == rule.company_id
                    and rule.company_id.currency_id.compare_amounts(
                        amounts[doc], rule.amount_min
                    )
                    >= 0
                    and (not rule.discount_min or discounts[doc] >= rule.discount_min)
                )
            )
            domain = rule._get_domain()
            if candidates and domain:
                candidates = candidates.sudo().filtered_domain(domain).sudo(False)
            for doc in candidates:
                result[doc] |= rule
        return result

    def _approval_route(self):
        """Send the documents that need approval to their approvers.

        :return: the documents that must not run their action now (routed to
            approval, or still waiting for it); the caller runs the original
            action on the others.
        """
        enabled = self.filtered(lambda doc: doc._approval_enabled())
        if not enabled:
            return self.browse()
        rules_by_doc = enabled._approval_applicable_rules()
        approved = enabled.filtered(lambda doc: doc.approval_state == "approved")
        covered = approved._approval_round_rules() if approved else {}
        routed = self.browse()
        for document in enabled:
            rules = rules_by_doc[document]
            if document.approval_state == "approved":
                amount = document._approval_get_amount()
                currency = document.company_id.currency_id
                if currency.compare_amounts(
                    amount, document.approval_amount
                ) <= 0 and not (rules - covered[document]):
                    continue
                document._approval_void(amount, rules - covered[document])
            if document.approval_state == "pending":
                routed |= document
                continue
            extra = document._approval_get_extra_tiers()
            if not rules and not extra:
                # Nothing to ask: the amount (and its currency) is not read.
                continue
            document._approval_start_round(
                rules, extra, document._approval_get_amount()
            )
            routed |= document
        return routed

    def _approval_round_rules(self):
        """``{document: rules of its current round}``: the rules its pending
        or approved round was started for, in one query for the batch."""
        requests = (
            self.env["control.approval.request"]
            .sudo()
            .search([("res_model", "=", self._name), ("res_id", "in", self.ids)])
        )
        by_doc = requests.grouped("res_id")
        empty = self.env["control.approval.rule"].sudo()
        return {
            document: by_doc[document.id].rule_id if document.id in by_doc else empty
            for document in self
        }

    def _approval_start_round(self, rules, extra_tiers, amount):
        self.ensure_one()
        Request = self.env["control.approval.request"].sudo()
        old = self._approval_current_requests()
        old.filtered(lambda r: r.state in ("waiting", "pending")).write(
            {"state": "cancelled"}
        )
        old.write({"active": False})
        tiers = rules.tier_ids.sorted(lambda t: (t.sequence, t.rule_id.sequence, t.id))
        # Why each rule applies, as facts (rendered in the reader's language).
        facts = self._approval_match_facts(rules, amount)
        steps = [
            {
                "rule_id": tier.rule_id.id,
                "tier_id": tier.id,
                "tier_name": tier.name,
                "group_id": tier.group_id.id,
                "user_id": tier.user_id.id,
                "match_facts": facts[tier.rule_id],
            }
            for tier in tiers
        ]
        steps += [
            {
                "tier_name": step["name"],
                "group_id": step.get("group_id", False),
                "user_id": step.get("user_id", False),
                "match_facts": step.get("facts")
                or [{"kind": "extra", "reason": step["name"]}],
            }
            for step in extra_tiers
        ]
        partner = self._approval_partner()
        requests = Request.create(
            [
                dict(
                    step,
                    res_model=self._name,
                    res_id=self.id,
                    res_name=self.display_name,
                    partner_id=partner.id,
                    sequence=index,
                    state="pending" if index == 1 else "waiting",
                    requested_by_id=self.env.uid,
                    amount=amount,
                    company_id=self.company_id.id,
                )
                for index, step in enumerate(steps, start=1)
            ]
        )
        requests._copy_tier_name_translations()
        self.sudo().write({"approval_state": "pending", "approval_amount": 0.0})
        message = self.env["control.log"]._text(
            _lt(
                "Approval requested by %(user)s for %(amount)s: %(tiers)s.",
                user=self.env.user.name,
                amount=format_amount(self.env, amount, self.company_id.currency_id),
                tiers=" → ".join(requests.mapped("tier_name")),
            )
        )
        self._control_note(message)
        self.env["control.log"]._log("approval_requested", self, message, amount=amount)
        self._approval_schedule_activities(requests[:1])

    def _approval_current_requests(self):
        """The requests of the current round (in sudo: engine use only)."""
        self.ensure_one()
        return (
            self.env["control.approval.request"]
            .sudo()
            .search([("res_model", "=", self._name), ("res_id", "=", self.id)])
        )

    def _approval_next(self, decided):
        """After ``decided`` was approved: open the next tier or finish."""
        self.ensure_one()
        round_ = self._approval_current_requests()
        following = round_.filtered(lambda r: r.state == "waiting").sorted("sequence")
        if following:
            following[:1].state = "pending"
            self._approval_schedule_activities(following[:1])
            return []
        if round_.filtered(lambda r: r.state in ("pending", "rejected")):
            return []
        self.write(
            {
                "approval_state": "approved",
                "approval_amount": max(decided.mapped("amount")),
            }
        )
        return self._approval_resume(decided[-1:].requested_by_id)

    def _approval_resume(self, requester=None):
        """Run the original action, as the requester, once fully approved.

        A block raised by another control (credit, budget, contract) does not
        undo the approval: the error is posted on the document, which stays
        unconfirmed until someone solves it and runs the action again. The
        requester is told (inbox and activity, :meth:`_approval_notify_requester`).

        :return: list of ``(document, message)`` of the blocked documents, for
            the approver to see
        """
        Log = self.env["control.log"]
        refused = []
        for document in self:
            actor = document.with_user(requester) if requester else document
            # In the document's company, whatever companies the approver has
            # enabled in the web client.
            actor = actor.with_context(allowed_company_ids=document.company_id.ids)
            with Log._collect_detached() as blocks:
                try:
                    with self.env.cr.savepoint():
                        actor._approval_action()
                except UserError as error:
                    error_text = str(error)
                except Exception:
                    # Not a refusal: the lines go where they would have gone.
                    Log._create_detached(blocks)
                    raise
                else:
                    Log.sudo().create(blocks)
                    continue
            reason = blocks[0]["message"] if blocks else error_text
            message = Log._text(
                _lt(
                    "Approved, but the action could not be completed: %(error)s",
                    error=reason,
                )
            )
            document._control_note(message)
            # One line for the attempt, under the user whose approval made it,
            # written after the savepoint's rollback: the blocking control's
            # line (its event, amount, control), which _log_detached would
            # otherwise have committed apart under the requester.
            vals = dict(
                blocks[0]
                if blocks
                else Log._prepare_log_vals("blocked", document, "")[0],
                message=message,
                user_id=self.env.uid,
            )
            Log.sudo().create(vals)
            # The savepoint undid the action only: this transaction, and
            # the notification with it, is committed.
            document._approval_notify_requester(requester, "blocked", error=reason)
            refused.append((document, message))
        return refused

    def _approval_end_round(self, state):
        """Close the open requests of the round (rejection or void)."""
        self.ensure_one()
        open_requests = self._approval_current_requests().filtered(
            lambda r: r.state in ("waiting", "pending")
        )
        self._approval_close_activities()
        open_requests.write({"state": "cancelled"})
        self.sudo().write({"approval_state": state, "approval_amount": 0.0})

    def _approval_void(self, amount, new_rules=None):
        """The total rose above what was approved (or requested), or rules
        the round was not started for now apply."""
        self.ensure_one()
        currency = self.company_id.currency_id
        covered = self.approval_amount or max(
            self._approval_current_requests().mapped("amount") or [0.0]
        )
        if new_rules:
            message = self.env["control.log"]._text(
                _lt(
                    "Approval of %(document)s void: %(rules)s now apply to it "
                    "(total %(amount)s), and its approval round did not cover them.",
                    document=self.display_name,
                    rules=", ".join(new_rules.mapped("name")),
                    amount=format_amount(self.env, amount, currency),
                )
            )
        else:
            message = self.env["control.log"]._text(
                _lt(
                    "Approval of %(document)s void: its total rose from %(approved)s "
                    "to %(amount)s.",
                    document=self.display_name,
                    approved=format_amount(self.env, covered, currency),
                    amount=format_amount(self.env, amount, currency),
                )
            )
        self._approval_end_round("none")
        self._control_note(message)
        self.env["control.log"]._log("anomaly", self, message, amount=amount)

    def _approval_check_amount(self):
        """Void the approvals that no longer cover the document: its total
        rose above what was approved (or requested), or a rule that the round
        was not started for now applies (a discount added, a domain now
        matched). Called before each decision and after each change.

        :return: the documents whose approval (or pending round) was voided
        """
        voided = self.browse()
        watched = self.filtered(
            lambda doc: (
                doc.approval_state in ("approved", "pending")
                and doc.state not in doc._approval_done_states()
            )
        )
        if not watched:
            return voided
        rules_by_doc = watched._approval_applicable_rules()
        covered_by_doc = watched._approval_round_rules()
        for document in watched:
            amount = document._approval_get_amount()
            if document.approval_state == "approved":
                covered = document.approval_amount
            else:
                covered = max(
                    document._approval_current_requests().mapped("amount") or [amount]
                )
            new_rules = rules_by_doc[document] - covered_by_doc[document]
            if (
                document.company_id.currency_id.compare_amounts(amount, covered) > 0
                or new_rules
            ):
                document._approval_void(amount, new_rules)
                voided |= document
        return voided

    def _approval_snapshot(self, written=None, vals=None):
        """``{document id: (amount, discount)}`` of the documents whose changes
        are reviewed: under approval (pending, approved) or done.

        With ``written`` (these documents or their lines) and ``vals``: empty
        when the write changes nothing. Reading the totals then would force
        computes at a moment Odoo's own flow does not expect (purchase's bill
        matching links lines that are there already).
        """
        watched = self.filtered(
            lambda doc: (
                doc.approval_state in ("approved", "pending")
                or doc.state in doc._approval_done_states()
            )
        )
        if not watched or (written is not None and not write_changes(written, vals)):
            return {}
        return {
            doc.id: (doc._approval_get_amount(), doc._approval_get_discount())
            for doc in watched
        }

    def _approval_review_change(self, before, names=()):
        """Review the documents of ``before`` (:meth:`_approval_snapshot`)
        after a change: whatever fields changed, their total and largest
        discount are compared (units of measure, taxes, lines added or
        removed, prices), and written fields that a rule's domain reads count
        as a change too.

        A pending or approved document that is not done loses an approval that
        no longer covers it (:meth:`_approval_check_amount`). A done document
        (confirmed, posted) that would need an approval it does not have is
        refused: the change raises ``UserError`` with the numbers.
        """
        if not before:
            return
        documents = self.browse(list(before)).exists()
        domain_fields = self._approval_domain_fields() & set(names)
        changed = documents.filtered(
            lambda doc: (
                domain_fields
                or before[doc.id]
                != (doc._approval_get_amount(), doc._approval_get_discount())
            )
        )
        if not changed:
            return
        done = changed.filtered(lambda doc: doc.state in doc._approval_done_states())
        (changed - done)._approval_check_amount()
        # A done document is refused a change that raises what it asks for (a
        # higher total or discount, a field a rule reads) beyond its approval;
        # lowering a document confirmed before a rule existed stays possible.
        raised = done.filtered(
            lambda doc: (
                domain_fields
                or doc.company_id.currency_id.compare_amounts(
                    doc._approval_get_amount(), before[doc.id][0]
                )
                > 0
                or doc._approval_get_discount() > before[doc.id][1]
            )
        )
        for document, rules in raised._approval_missing().items():
            document._approval_refuse_change(before[document.id], rules)

    def _approval_domain_fields(self):
        """Fields of this model that the active rules' domains read."""
        Rule = self.env["control.approval.rule"].sudo()
        rules = Rule.browse(
            control_tools.cached(
                Rule,
                "_get_active_rule_ids",
                self._name,
                tuple(sorted(self.company_id.ids)),
            )
        )
        names = set()
        for rule in rules:
            for leaf in rule._get_domain() or []:
                if (
                    isinstance(leaf, (list, tuple))
                    and leaf
                    and isinstance(leaf[0], str)
                ):
                    names.add(leaf[0].split(".")[0])
        return names

    def _approval_refuse_change(self, before, rules):
        """Refuse a change that makes a done document need an approval."""
        self.ensure_one()
        currency = self.company_id.currency_id
        amount = self._approval_get_amount()
        message = self.env["control.log"]._text(
            _lt(
                "%(document)s is %(state)s: this change takes its total from "
                "%(before)s to %(amount)s (largest discount %(discount)s %%) and it "
                "would then need approval under %(rules)s, which it does not have "
                "(approval %(approval)s, approved amount %(approved)s). The change is "
                "refused; cancel the document and confirm it again to ask the "
                "approvers.",
                document=self.display_name,
                state=dict(self._fields["state"]._description_selection(self.env))[
                    self.state
                ],
                before=format_amount(self.env, before[0], currency),
                amount=format_amount(self.env, amount, currency),
                discount=self._approval_get_discount(),
                rules=", ".join(rules.mapped("name")) or "-",
                approval=dict(
                    self._fields["approval_state"]._description_selection(self.env)
                )[self.approval_state],
                approved=format_amount(self.env, self.approval_amount, currency),
            )
        )
        self.env["control.log"]._log_detached("blocked", self, message, amount=amount)
        raise UserError(message)

    def _control_guarded_fields(self):
        fields_ = super()._control_guarded_fields()
        fields_.update(approval_state="approval", approval_amount="approval")
        return fields_

    def _control_guard_message(self, guard, field_names):
        if guard != "approval":
            return super()._control_guard_message(guard, field_names)
        return self.env._(
            "%(user)s cannot set the approval state or amount of %(documents)s: "
            "only the approval engine does.",
            user=self.env.user.name,
            documents=", ".join(self.mapped("display_name")) or self._description,
        )

    @api.model_create_multi
    def create(self, vals_list):
        """A document given a done state is created in its initial state,
        then written to the done state: it meets the same controls as any
        other way of reaching it (:meth:`_control_transition`)."""
        done = self._approval_done_states()
        if not done:
            return super().create(vals_list)
        field = self._fields["state"]
        initial = field.default(self) if field.default else "draft"
        given = []
        vals_list = [dict(vals) for vals in vals_list]
        default_state = None
        for vals in vals_list:
            state = vals.get("state")
            if state is None:
                # Defaults: a context key or the user's own ir.default (the
                # same for every document of the batch).
                if default_state is None:
                    default_state = self.default_get(["state"]).get("state") or ""
                state = default_state
            if state in done:
                vals["state"] = initial
            given.append(state if state in done else None)
        if not any(given):
            return super().create(vals_list)
        # A refusal undoes the creation too.
        with self.env.cr.savepoint():
            records = super().create(vals_list)
            for record, state in zip(records, given, strict=True):
                if state:
                    record.write({"state": state})
        return records

    def _approval_missing(self):
        """``{document: rules}`` for the documents that need an approval they
        do not have: a rule applies (or a round is pending) and no approval
        covers their current total and every rule that applies."""
        enabled = self.filtered(lambda doc: doc._approval_enabled())
        if not enabled:
            return {}
        rules_by_doc = enabled._approval_applicable_rules()
        approved = enabled.filtered(lambda doc: doc.approval_state == "approved")
        covered = approved._approval_round_rules() if approved else {}
        missing = {}
        for document in enabled:
            rules = rules_by_doc[document]
            if document.approval_state != "pending" and not rules:
                continue
            if (
                document.approval_state == "approved"
                and document.company_id.currency_id.compare_amounts(
                    document._approval_get_amount(), document.approval_amount
                )
                <= 0
                and not (rules - covered[document])
            ):
                continue
            missing[document] = rules
        return missing

    def _approval_check_done(self, state):
        """Refuse to reach ``state`` (confirmed, posted) without the approval
        the document needs, whichever method writes it: Odoo has more ways to
        confirm or post than the ordinary action (purchase ``button_approve``
        and ``button_unlock``, the "Confirm Entries" wizard and the auto-post
        cron of invoices, ``action_validate`` of payments, a plain ``write``
        or ``create`` over XML-RPC)."""
        for document, rules in self._approval_missing().items():
            currency = document.company_id.currency_id
            amount = document._approval_get_amount()
            message = self.env["control.log"]._text(
                _lt(
                    "%(document)s (%(amount)s) cannot become %(state)s: it needs "
                    "approval under %(rules)s and its approval is %(approval)s "
                    "(approved amount %(approved)s). Use the ordinary Confirm or Post "
                    "button, which asks the approvers.",
                    document=document.display_name,
                    amount=format_amount(self.env, amount, currency),
                    state=dict(
                        document._fields["state"]._description_selection(self.env)
                    )[state],
                    rules=", ".join(rules.mapped("name")) or "-",
                    approval=dict(
                        document._fields["approval_state"]._description_selection(
                            self.env
                        )
                    )[document.approval_state],
                    approved=format_amount(
                        self.env, document.approval_amount, currency
                    ),
                )
            )
            self.env["control.log"]._log_detached(
                "blocked", document, message, amount=amount
            )
            raise UserError(message)

    def _control_transition(self, state, apply):
        """The one hook every control meets when documents reach ``state``.

        ``self`` are the documents that are not in a done state and are about
        to reach ``state`` (one of :meth:`_approval_done_states`); ``apply()``
        writes it and returns the write's result. Whatever the method (the
        ordinary action, another button, a wizard, a cron, a plain ``write`` or
        ``create`` over XML-RPC), it runs here. A control extends it through
        ``super()``: check before (and raise ``UserError`` to refuse), call
        ``super()._control_transition(state, apply)``, check after if it must
        see the new state. The approval check comes first.
        """
        self._approval_check_done(state)
        self._sod_check_user()
        hits = self._anomaly_check_transition()
        result = apply()
        self._anomaly_record(hits)
        return result

    def write(self, vals):
        state = vals.get("state")
        done = self._approval_done_states()
        arriving = (
            self.filtered(lambda doc: doc.state not in done)
            if state in done
            else self.browse()
        )
        before = self._approval_snapshot(self, vals)

        def apply():
            return super(ControlApprovalMixin, self).write(vals)

        result = arriving._control_transition(state, apply) if arriving else apply()
        # Lines edited in the form are saved through the document's write.
        self._approval_review_change(before, vals)
        return result

    def _control_note(self, body):
        """Post an internal note written by the controls, whoever the actor is
        (users without an e-mail address included)."""
        for document in self:
            document._message_log(body=body)
        return True

    # -------------------------------------------------------------- activities
    def _approval_activity_type(self):
        return self.env.ref("sales_internal_control.mail_activity_type_approval")

    def _approval_approvers(self, request):
        if request.user_id:
            users = request.user_id
        else:
            users = request.group_id.users.filtered(lambda u: not u.share)
        # Users who cannot open the document (another company) are not told.
        users = users.filtered(lambda u: self.company_id in u.company_ids)
        return users - request.requested_by_id

    def _approval_schedule_activities(self, requests):
        self.ensure_one()
        activity_type = self._approval_activity_type()
        for request in requests:
            for user in self._approval_approvers(request):
                self.sudo().activity_schedule(
                    activity_type_id=activity_type.id,
                    user_id=user.id,
                    summary=self.env._(
                        "Approve %(document)s (%(tier)s)",
                        document=self.display_name,
                        tier=request.tier_name,
                    ),
                    note=self.env._(
                        "Requested by %(user)s for %(amount)s.",
                        user=request.requested_by_id.name,
                        amount=format_amount(
                            self.env, request.amount, request.currency_id
                        ),
                    ),
                )

    def _approval_close_activities(self):
        activity_type = self._approval_activity_type()
        activities = self.sudo().activity_ids.filtered(
            lambda a: a.activity_type_id == activity_type
        )
        activities.unlink()

    def _approval_schedule_review(self, message):
        """Emergency approvals are reviewed afterwards by the controllers."""
        self.ensure_one()
        activity_type = self.env.ref(
            "sales_internal_control.mail_activity_type_emergency_review"
        )
        controllers = self.env.ref(
            "sales_internal_control.group_control_manager"
        ).users.filtered(
            lambda u: (
                not u.share and u != self.env.user and self.company_id in u.company_ids
            )
        )
        for user in controllers:
            self.sudo().activity_schedule(
                activity_type_id=activity_type.id,
                user_id=user.id,
                summary=self.env._("Review emergency approval"),
                note=message,
            )

    # ----------------------------------------------------------------- actions
    def action_view_approval_requests(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sales_internal_control.control_approval_request_action"
        )
        action["domain"] = [("res_model", "=", self._name), ("res_id", "=", self.id)]
        action["context"] = {"active_test": False}
        return action
