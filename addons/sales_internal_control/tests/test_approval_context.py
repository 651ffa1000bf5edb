from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ApprovalCase


@tagged("post_install", "-at_install")
class TestApprovalContext(ApprovalCase):
    """Approvers decide with context; outcomes reach the requester."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # An approver with no right on sale orders: a tier of a plain user.
        cls.reviewer = new_test_user(
            cls.env, login="ic_ctx_reviewer", groups="base.group_user"
        )
        cls.rule = cls._rule(
            amount_min=1000.0,
            discount_min=10.0,
            domain=f"[('partner_id', '=', {cls.partner.id})]",
            tiers=[("Reviewer", cls.reviewer), ("Sales manager", cls.manager_group)],
        )
        # The requester has no e-mail address: the outcomes reach his inbox.
        cls.salesman.partner_id.email = False

    def _pending(self):
        order = self._order(price=2000.0, discount=15.0)
        order.order_line[0].name = "Discounted widget"
        order.with_user(self.env.user).message_post(body="Customer asked for 15 %")
        self.env["ir.attachment"].create(
            {
                "name": "quote-terms.pdf",
                "raw": b"%PDF-1.4",
                "res_model": "sale.order",
                "res_id": order.id,
            }
        )
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.approval_state, "pending")
        return order, order.approval_request_ids.sorted("sequence")

    def test_request_shows_why_document_and_history(self):
        order, requests = self._pending()
        first = requests[0]
        facts = {fact["kind"]: fact for fact in first.match_facts}
        self.assertEqual(set(facts), {"amount", "discount", "domain"})
        self.assertEqual(facts["amount"]["amount"], 1700.0)
        self.assertEqual(facts["amount"]["min"], 1000.0)
        self.assertEqual(
            facts["discount"]["lines"],
            [{"name": "Discounted widget", "discount": 15.0}],
        )
        self.assertEqual(first.partner_id, self.partner)
        # Read by the approver, who may not read sale orders at all.
        with self.assertRaises(AccessError):
            order.with_user(self.reviewer).check_access("read")
        mine = first.with_user(self.reviewer)
        self.assertIn("Discounted widget (15 %)", mine.match_html)
        self.assertIn("is at least the rule", mine.match_html)
        summary = mine.document_summary_html
        self.assertIn(self.partner.name, summary)
        self.assertIn("Discounted widget", summary)
        self.assertIn("1,700.00", summary)
        self.assertIn("Customer asked for 15 %", mine.document_chatter_html)
        self.assertIn("quote-terms.pdf", mine.document_chatter_html)
        self.assertIn("Reviewer", mine.history_html)
        self.assertTrue(mine.age_display)
        # In the reader's language: the facts are rendered, not stored text.
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["sales_internal_control"], ["zh_CN"], overwrite=True
        )
        chinese = first.with_context(lang="zh_CN").match_html
        self.assertNotIn("is at least the rule", chinese)
        self.assertIn("1,000.00", chinese)

    def test_other_company_request_not_readable(self):
        _order, requests = self._pending()
        other = self.env["res.company"].create({"name": "IC Context Other Co"})
        stranger = new_test_user(
            self.env,
            login="ic_ctx_stranger",
            groups="sales_internal_control.group_control_manager",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        with self.assertRaises(AccessError):
            requests[0].with_user(stranger).read(["document_summary_html"])

    def test_approve_feedback_and_rejection_reaches_requester(self):
        order, requests = self._pending()
        first, second = requests
        feedback = (
            first.with_user(self.reviewer)
            .with_context(approval_feedback=True)
            .action_approve()
        )
        self.assertEqual(feedback["tag"], "display_notification")
        self.assertEqual(feedback["params"]["type"], "success")
        self.assertIn("Sales manager", feedback["params"]["message"])
        # Without the web client's context key: the contract's boolean.
        wizard = (
            self.env["control.approval.reason"]
            .with_user(self.sales_manager)
            .create({"request_ids": [Command.set(second.ids)], "reason": "Too cheap"})
        )
        action = second.with_user(self.sales_manager).action_open_reject_wizard()
        self.assertIn(order.name, action["name"])
        result = wizard.action_confirm()
        self.assertEqual(result["tag"], "display_notification")
        self.assertEqual(order.approval_state, "rejected")
        notification = self.env["mail.notification"].search(
            [("res_partner_id", "=", self.salesman.partner_id.id)]
        )
        message = notification.mail_message_id.filtered(
            lambda m: m.model == "sale.order" and m.res_id == order.id
        )
        self.assertEqual(len(message), 1)
        self.assertIn("Too cheap", message.body)
        self.assertEqual(
            notification.filtered(lambda n: n.mail_message_id == message).mapped(
                "notification_type"
            ),
            ["inbox"],
        )
        activity = order.activity_ids.filtered(lambda a: a.user_id == self.salesman)
        self.assertEqual(len(activity), 1)
        self.assertIn("Too cheap", activity.note)

    def test_block_after_last_tier_reaches_requester_and_approver(self):
        order, requests = self._pending()
        requests[0].with_user(self.reviewer).action_approve()
        # A line Odoo refuses to confirm (no product, no display type): the
        # action after the last tier is refused.
        order.with_user(self.salesman).write(
            {"order_line": [Command.create({"name": "Free text", "price_unit": 0.0})]}
        )
        feedback = (
            requests[1]
            .with_user(self.sales_manager)
            .with_context(approval_feedback=True)
            .action_approve()
        )
        self.assertEqual(feedback["params"]["type"], "danger")
        self.assertIn("missing a product", feedback["params"]["message"])
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.approval_state, "approved")
        self.assertTrue(self._logs(order, "blocked"))
        activity = order.activity_ids.filtered(lambda a: a.user_id == self.salesman)
        self.assertIn("missing a product", activity.note)
        notified = self.env["mail.message"].search(
            [
                ("model", "=", "sale.order"),
                ("res_id", "=", order.id),
                ("partner_ids", "in", self.salesman.partner_id.ids),
            ]
        )
        self.assertEqual(len(notified), 1)
