from odoo import api, fields, models
from odoo.addons.sales_internal_control.models import control_tools
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_amount
from odoo.tools.translate import LazyTranslate

from . import credit_queue

_lt = LazyTranslate(__name__)


class SaleOrder(models.Model):
    _inherit = "sale.order"

    credit_release_amount = fields.Monetary(
        copy=False,
        readonly=True,
        help="Order total released by a credit controller. The release lets the "
        "order be confirmed once, as long as its total does not exceed it.",
    )
    credit_release_user_id = fields.Many2one(
        "res.users", string="Credit Released By", copy=False, readonly=True
    )
    credit_blocked = fields.Boolean(
        compute="_compute_credit_blocked",
        search="_search_credit_blocked",
        help="A confirmation of this quotation was refused by the credit check and "
        "it has not been released since.",
    )
    credit_status = fields.Selection(
        [("blocked", "Credit Blocked"), ("released", "Credit Released")],
        compute="_compute_credit_status",
        help="Credit Blocked: the credit check refused this quotation. Credit "
        "Released: a credit controller released it for one confirmation.",
    )

    # ---------------------------------------------------------------------- CRUD
    def _control_guarded_fields(self):
        # Only action_credit_release (a credit controller) sets a release.
        fields_ = super()._control_guarded_fields()
        fields_.update(credit_release_amount="engine", credit_release_user_id="engine")
        return fields_

    def _control_guard_message(self, guard, field_names):
        if not {"credit_release_amount", "credit_release_user_id"} & set(field_names):
            return super()._control_guard_message(guard, field_names)
        return self.env._(
            "A credit release of %(orders)s is given by a credit controller with "
            "Release Credit Block, not written directly (user %(user)s).",
            orders=", ".join(self.mapped("display_name")) or self._description,
            user=self.env.user.name,
        )

    def action_confirm(self):
        # First, before the request's first statement: a retried
        # confirmation that lost the customer's lock takes its turn.
        credit_queue.take_turn(self.env.cr)
        return super().action_confirm()

    def write(self, vals):
        if vals.get("state") == "sale":
            credit_queue.take_turn(self.env.cr)  # as action_confirm
        if any(
            vals.get(name) and any(order[name].id != vals[name] for order in self)
            for name in ("partner_id", "currency_id", "company_id")
        ):
            # A release was given for one customer, currency and company.
            self.filtered("credit_release_amount").sudo().write(
                {"credit_release_amount": 0.0, "credit_release_user_id": False}
            )
        return super().write(vals)

    def _control_transition(self, state, apply):
        # Checked at the state change itself, whichever method writes it
        # (action_confirm, a plain write or create over XML-RPC). The
        # customers are locked and their exposure read before the state is
        # written, so it does not count these orders yet and the state is
        # flushed with the rest of the request, not on its own; the amounts
        # are taken after (the confirmation date sets the currency rate).
        if state != "sale":
            return super()._control_transition(state, apply)
        checks = self._credit_confirmation_data()
        result = super()._control_transition(state, apply)
        self._credit_check_confirmation(checks)
        return result

    # ------------------------------------------------------------------ computes
    def _compute_credit_blocked(self):
        blocked = self.search([("id", "in", self.ids), ("credit_blocked", "=", True)])
        for order in self:
            order.credit_blocked = order in blocked

    def _search_credit_blocked(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on credit_blocked."))
        # Blocks of the credit check only (not of contracts or approvals).
        self.env["control.log"].flush_model(["res_model", "res_id", "event", "control"])
        rows = self.env.execute_query(
            SQL(
                "SELECT DISTINCT res_id FROM control_log WHERE res_model = "
                "'sale.order' AND event = 'blocked' AND control = 'credit'"
            )
        )
        positive = (operator == "=") == value
        domain = [
            ("id", "in", [row[0] for row in rows]),
            ("state", "in", ("draft", "sent")),
            ("credit_release_amount", "=", 0),
        ]
        return domain if positive else ["!", *domain]

    # ------------------------------------------------------------------- actions
    def action_credit_release(self, reason):
        """Let these orders be confirmed once at their current amount."""
        if not self.env.user.has_group("credit_rating.group_credit_controller"):
            raise AccessError(
                self.env._(
                    "Only credit controllers may release credit blocks (user "
                    "%(user)s, orders %(orders)s).",
                    user=self.env.user.name,
                    orders=", ".join(self.mapped("name")),
                )
            )
        if not reason or not str(reason).strip():
            raise UserError(
                self.env._(
                    "A reason is required to release the credit block of %(orders)s.",
                    orders=", ".join(self.mapped("name")),
                )
            )
        self._sod_check_decider(action=self.env._("release"))
        for order in self:
            if order.state not in ("draft", "sent"):
                raise UserError(
                    self.env._(
                        "Order %(order)s is not a quotation; only quotations can be "
                        "released.",
                        order=order.name,
                    )
                )
            order.sudo().write(
                {
                    "credit_release_amount": order.amount_total,
                    "credit_release_user_id": self.env.uid,
                }
            )
            order._message_log(
                body=self.env._(
                    "Credit block released by %(user)s for %(amount)s: %(reason)s",
                    user=self.env.user.name,
                    amount=format_amount(
                        self.env, order.amount_total, order.currency_id
                    ),
                    reason=reason,
                )
            )
            self.env["control.log"]._log(
                "override",
                order,
                self.env["control.log"]._text(
                    _lt(
                        "Credit block released for %(amount)s by %(user)s: %(reason)s",
                        amount=format_amount(
                            self.env, order.amount_total, order.currency_id
                        ),
                        user=self.env.user.name,
                        reason=reason,
                    )
                ),
                amount=order._credit_amount(),
            )
        return True

    # ------------------------------------------------------------------ business
    def _credit_amount(self):
        """Total of the order in company currency (the order's rate)."""
        self.ensure_one()
        return self.company_id.currency_id.round(
            self.amount_total / (self.currency_rate or 1.0)
        )

    def _credit_is_released(self):
        """A valid release for the current amount (void if the total rose)."""
        self.ensure_one()
        return bool(
            self.credit_release_amount
            and self.currency_id.compare_amounts(
                self.amount_total, self.credit_release_amount
            )
            <= 0
        )

    def _credit_is_approved(self):
        """Approved by a credit controller through the approval engine, for an
        amount covering the current total (strategic customers only)."""
        self.ensure_one()
        if "approval_state" not in self._fields or self.approval_state != "approved":
            return False
        partner = self.partner_id.commercial_partner_id.with_company(self.company_id)
        if not partner.sudo().credit_strategic:
            return False
        if (
            self.company_id.currency_id.compare_amounts(
                self._credit_amount(), self.approval_amount
            )
            > 0
        ):
            return False
        group = self.env.ref("credit_rating.group_credit_controller")
        # Decided by a credit controller: an emergency approval (all remaining
        # tiers at once, by an emergency approver) does not release credit.
        return any(
            request.state == "approved"
            and request.group_id == group
            and not request.emergency
            and group in request.decided_by_id.groups_id
            for request in self.sudo().approval_request_ids
        )

    def _credit_needs_approval(self):
        """A strategic customer's order that fails the credit check."""
        self.ensure_one()
        if self._credit_is_released():
            return False
        partner = self._credit_strategic_partners().get(self)
        if not partner:
            return False
        result = partner._credit_evaluate(self._credit_amount())
        return not result["allowed"] and result

    def _credit_strategic_partners(self):
        """``{order: commercial partner}`` for the orders of strategic
        customers (in the order's company): one query for the batch, without
        reading the partners (most customers are not strategic), none in a
        company without strategic customers."""
        result = {}
        for company, orders in self.grouped("company_id").items():
            partners = self.env["res.partner"].sudo().with_company(company)
            if not control_tools.cached(partners, "_credit_has_strategic", company.id):
                continue
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT p.id, c.id
                      FROM res_partner p
                      JOIN res_partner c ON c.id = %(commercial)s
                     WHERE p.id IN %(ids)s AND %(strategic)s
                    """,
                    commercial=partners._field_to_sql("p", "commercial_partner_id"),
                    ids=tuple(orders.partner_id.ids),
                    strategic=partners._field_to_sql("c", "credit_strategic"),
                )
            )
            strategic = dict(rows)
            for order in orders:
                if order.partner_id.id in strategic:
                    result[order] = (
                        self.env["res.partner"]
                        .with_company(company)
                        .browse(strategic[order.partner_id.id])
                    )
        return result

    def _approval_get_extra_tiers(self):
        # Hook of the approval engine (control.approval.mixin): strategic
        # customers over their credit go to a credit controller.
        tiers = super()._approval_get_extra_tiers()
        for order in self:
            result = order._credit_needs_approval()
            if result:
                tiers.append(
                    {
                        "name": self.env._("Credit controller approval"),
                        "group_id": self.env.ref(
                            "credit_rating.group_credit_controller"
                        ).id,
                        "user_id": False,
                    }
                )
        return tiers

    def _credit_confirmation_data(self):
        """``{company: (commercial, data)}`` of
        ``res.partner._credit_locked_check_data`` for the customers of these
        orders: locked, with their credit fields and exposure, one statement
        per company."""
        return {
            company: self.env["res.partner"]
            .with_company(company)
            ._credit_locked_check_data(orders.partner_id.ids)
            for company, orders in self.grouped("company_id").items()
        }

    def _credit_check_confirmation(self, checks):
        """Refuse the confirmation of orders that fail the credit check.

        :param checks: :meth:`_credit_confirmation_data` read before these
            orders counted in the exposure
        """
        for company, orders in self.grouped("company_id").items():
            commercial, data = checks[company]
            partners = self.env["res.partner"].with_company(company)
            # Exposure of each customer with the orders of the batch checked
            # so far.
            running = {}
            for order in orders.with_company(company):
                pid = commercial[order.partner_id.id]
                values = data[pid]
                amount = order._credit_amount()
                exposure = running.get(pid, values["exposure"])
                running[pid] = exposure + amount
                partner = partners.browse(pid)
                result = partner._credit_evaluate(
                    amount, data=values, exposure=exposure
                )
                if result["allowed"]:
                    if order.credit_release_amount:
                        # Valid once, even if it was not needed.
                        order.sudo().credit_release_amount = 0.0
                    continue
                if order._credit_is_released():
                    # Valid once: consumed by this confirmation.
                    order.sudo().credit_release_amount = 0.0
                    continue
                if order._credit_is_approved():
                    continue
                order._credit_block(partner, amount, result)

    def _credit_open_amounts(self):
        """{order: open amount of its lines (company currency)}."""
        return {
            order: sum(order.order_line.mapped("credit_open_amount")) for order in self
        }

    def _credit_check_raise(self, before):
        """Refuse what confirmed orders add to the exposure beyond the rules.

        :param before: :meth:`_credit_open_amounts` before the change
        """
        after = self._credit_open_amounts()
        raised = self.filtered(
            lambda order: (
                order.company_id.currency_id.compare_amounts(
                    after[order] - before.get(order, 0.0), 0.0
                )
                > 0
            )
        )
        checks = raised._credit_confirmation_data()
        for company, orders in raised.grouped("company_id").items():
            commercial, data = checks[company]
            partners = self.env["res.partner"].with_company(company)
            for order in orders.with_company(company):
                added = after[order] - before.get(order, 0.0)
                partner = partners.browse(commercial[order.partner_id.id])
                values = data[partner.id]
                result = partner._credit_evaluate(
                    added, data=values, exposure=values["exposure"] - added
                )
                if result["allowed"]:
                    continue
                order._credit_block(partner, added, result, change=True)

    def _credit_block(self, partner, amount, result, change=False):
        """Log and raise the refusal of ``amount`` (this order, or with
        ``change``, what an edit of the confirmed order adds)."""
        self.ensure_one()
        currency = self.company_id.currency_id
        limit = result["limit"]
        shortfall = max(result["exposure"] + amount - limit, 0.0) if limit else 0.0
        values = {
            "order": self.name,
            "partner": partner.name,
            "exposure": format_amount(self.env, result["exposure"], currency),
            "limit": format_amount(self.env, limit, currency) if limit else "-",
            "amount": format_amount(self.env, amount, currency),
            "shortfall": format_amount(self.env, shortfall, currency),
            "reasons": "\n".join(result["reasons"]),
        }
        if change:
            message = self.env["control.log"]._text(
                _lt(
                    "Credit check failed for what order %(order)s of %(partner)s "
                    "would add: exposure %(exposure)s without it, credit limit "
                    "%(limit)s, this change %(amount)s, shortfall %(shortfall)s."
                    "\n%(reasons)s\nA credit controller can raise the credit "
                    "limit or lift the hold; a new order can be released.",
                    **values,
                )
            )
        else:
            message = self.env["control.log"]._text(
                _lt(
                    "Credit check failed for order %(order)s of %(partner)s: exposure "
                    "%(exposure)s, credit limit %(limit)s, this order %(amount)s, "
                    "shortfall %(shortfall)s.\n%(reasons)s\nAsk a credit controller "
                    "to release the order.",
                    **values,
                )
            )
        self.env["control.log"]._log_detached(
            "blocked",
            self,
            message,
            amount=amount,
            company=self.company_id,
            control="credit",
        )
        raise UserError(message)

    @api.model
    def _credit_blocked_order_ids(self):
        return self.search([("credit_blocked", "=", True)]).ids

    @api.depends("credit_release_amount")
    def _compute_credit_status(self):
        # One search for the batch (a list of orders), as credit_blocked.
        blocked = self.search([("id", "in", self.ids), ("credit_blocked", "=", True)])
        for order in self:
            if order in blocked:
                order.credit_status = "blocked"
            elif order.credit_release_amount and order.state in ("draft", "sent"):
                order.credit_status = "released"
            else:
                order.credit_status = False

    # ---------------------------------------------------------- approval context
    def _control_request_context(self):
        # Hook of the approval engine: the approver of an order sees the
        # customer's credit, and what this order does to it.
        sections = super()._control_request_context()
        partner = self.partner_id.commercial_partner_id
        if not partner:
            return sections
        company = self.company_id
        partner = partner.sudo().with_company(company)
        currency = company.currency_id
        amount = self._credit_amount()
        result = partner._credit_evaluate(0.0 if self.state == "sale" else amount)
        limit = result["limit"]

        def money(value):
            return format_amount(self.env, value, currency)

        rows = [
            (
                self.env._("Grade (score)"),
                f"{partner.credit_grade or '-'} ({partner.credit_score:g})",
            ),
            (self.env._("Credit limit"), money(limit) if limit else "-"),
            (self.env._("Exposure"), money(result["exposure"])),
            (self.env._("This order"), money(amount)),
            (
                self.env._("Available after this order"),
                money(limit - result["exposure"] - amount) if limit else "-",
            ),
            (self.env._("Overdue receivables"), money(partner.credit_overdue_amount)),
        ]
        flags = [
            label
            for label, on in (
                (self.env._("on credit hold"), partner.credit_hold),
                (self.env._("strategic customer"), partner.credit_strategic),
                (
                    self.env._("released by a credit controller"),
                    self._credit_is_released(),
                ),
            )
            if on
        ]
        if flags:
            rows.append((self.env._("Status"), ", ".join(flags)))
        for reason in result["reasons"]:
            rows.append((self.env._("Credit check"), reason))
        sections.append(
            {
                "title": self.env._(
                    "Credit of %(partner)s: %(verdict)s",
                    partner=partner.name,
                    verdict=self.env._("passes")
                    if result["allowed"]
                    else self.env._("fails"),
                ),
                "level": "success" if result["allowed"] else "danger",
                "rows": rows,
            }
        )
        return sections
