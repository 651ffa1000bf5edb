from odoo import models
from odoo.tools import format_amount


class ControlApprovalMixin(models.AbstractModel):
    """What an approver sees of a document, and what its requester is told.

    The engine stores, when it creates the requests, *why* each rule applies
    (:meth:`_approval_match_facts`: facts, not sentences, rendered in the
    reader's language by the request). The request form shows a summary of the
    document (:meth:`_control_request_summary`) and the sections the other
    addons contribute (:meth:`_control_request_context`: credit, budget).
    Outcomes (a rejection, a block after the last tier) reach the requester's
    inbox and activities (:meth:`_approval_notify_requester`).
    """

    _inherit = "control.approval.mixin"

    # ------------------------------------------------------------------ hooks
    def _approval_partner(self):
        """The commercial partner the document is about (or an empty one)."""
        self.ensure_one()
        if "partner_id" not in self._fields:
            return self.env["res.partner"]
        return self.partner_id.commercial_partner_id

    def _approval_discount_lines(self, threshold):
        """``[(line description, discount)]`` of the lines whose discount is
        at least ``threshold`` percent (sale orders)."""
        return []

    def _approval_summary_lines(self):
        """The lines summarised for the approver (order or invoice lines)."""
        return []

    def _control_request_context(self):
        """Sections an approver needs besides the document itself, in the
        current language: ``[{"title": str, "level": "info" | "warning" |
        "danger", "rows": [(label, value)]}]``. Each addon adds its own (credit
        status, budgets) through ``super()``. Runs in sudo, after the request's
        own access was checked."""
        return []

    # ----------------------------------------------------------------- engine
    def _approval_match_facts(self, rules, amount):
        """``{rule: [fact]}``: the conditions of each rule that this document
        meets. Facts are plain values (JSON): ``amount`` (total, minimum,
        currency), ``discount`` (minimum and the lines reaching it),
        ``domain`` (the rule's domain), ``always`` (a rule without
        condition)."""
        self.ensure_one()
        currency = self.company_id.currency_id
        result = {}
        for rule in rules:
            facts = []
            if rule.amount_min:
                facts.append(
                    {
                        "kind": "amount",
                        "amount": amount,
                        "min": rule.amount_min,
                        "currency_id": currency.id,
                    }
                )
            if rule.discount_min:
                facts.append(
                    {
                        "kind": "discount",
                        "min": rule.discount_min,
                        "lines": [
                            {"name": name, "discount": discount}
                            for name, discount in self._approval_discount_lines(
                                rule.discount_min
                            )
                        ],
                    }
                )
            if rule._get_domain():
                facts.append({"kind": "domain", "domain": rule.domain})
            result[rule] = facts or [{"kind": "always"}]
        return result

    def _control_request_summary(self):
        """The document as its approver sees it, in the current language:
        ``{"partner", "totals": [(label, value)], "lines": [dict], "more": int}``
        (lines: ``name``, ``quantity``, ``price``, ``discount``,
        ``subtotal``, formatted; at most 10, ``more`` counts the others)."""
        self.ensure_one()
        currency = (
            self.currency_id
            if "currency_id" in self._fields and self.currency_id
            else self.company_id.currency_id
        )
        totals = []
        for name in ("amount_untaxed", "amount_tax", "amount_total", "amount"):
            if name in self._fields and self._fields[name].type in (
                "monetary",
                "float",
            ):
                totals.append(
                    (
                        self._fields[name]._description_string(self.env),
                        format_amount(self.env, self[name], currency),
                    )
                )
        company_amount = self._approval_get_amount()
        if currency != self.company_id.currency_id:
            totals.append(
                (
                    self.env._(
                        "Total in %(currency)s",
                        currency=self.company_id.currency_id.name,
                    ),
                    format_amount(
                        self.env, company_amount, self.company_id.currency_id
                    ),
                )
            )
        lines = self._approval_summary_lines()
        rows = []
        for line in (lines or [])[:10]:
            quantity = next(
                (
                    line[name]
                    for name in ("product_uom_qty", "product_qty", "quantity")
                    if name in line._fields
                ),
                0.0,
            )
            rows.append(
                {
                    "name": line.name or line.display_name,
                    "quantity": f"{quantity:g}",
                    "price": format_amount(self.env, line.price_unit, currency),
                    "discount": f"{line.discount:g} %"
                    if "discount" in line._fields and line.discount
                    else "",
                    "subtotal": format_amount(self.env, line.price_subtotal, currency),
                }
            )
        return {
            "partner": self._approval_partner().display_name or "",
            "totals": totals,
            "lines": rows,
            "more": max(len(lines or []) - 10, 0),
        }

    # ---------------------------------------------------------- notifications
    def _approval_notify_requester(self, requester, kind, **values):
        """Tell ``requester`` an outcome of the approval of this document: a
        message in their inbox (delivered in Odoo when they have no e-mail
        address) and an activity on the document, in their language.

        :param kind: ``rejected`` (values ``tier``, ``user``, ``reason``) or
            ``blocked`` (value ``error``: the refusal after the last tier)
        """
        self.ensure_one()
        requester = requester or self._approval_current_requests()[:1].requested_by_id
        if (
            not requester
            or requester.share
            or not requester.active
            or "activity_ids" not in self._fields
        ):
            return False
        document = self.with_context(lang=requester.lang or self.env.lang)
        env = document.env
        if kind == "rejected":
            subject = env._("%(document)s rejected", document=self.display_name)
            body = env._(
                "Tier %(tier)s of %(document)s was rejected by %(user)s: "
                "%(reason)s. Change the document and confirm it again to start "
                "a new approval round.",
                document=self.display_name,
                **values,
            )
        else:
            subject = env._(
                "%(document)s approved but not completed", document=self.display_name
            )
            body = env._(
                "%(document)s was approved, but completing it was refused: %(error)s",
                document=self.display_name,
                **values,
            )
        document = document.sudo()
        document.with_context(control_notify_inbox=True).message_notify(
            partner_ids=requester.partner_id.ids,
            subject=subject,
            body=body,
            email_layout_xmlid="mail.mail_notification_light",
        )
        # The message above is the notification: the activity's own
        # assignment notification would repeat it.
        document.with_context(mail_activity_quick_update=True).activity_schedule(
            "mail.mail_activity_data_todo",
            user_id=requester.id,
            summary=subject,
            note=body,
        )
        return True
