from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import DocumentCase


@tagged("post_install", "-at_install")
class TestApprovalBypass(DocumentCase):
    """Odoo confirms and posts through more methods than the ordinary action:
    none of them lets a document that needs approval through."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.purchase_group = cls.env.ref("purchase.group_purchase_manager")
        cls.accounting_group = cls.env.ref("account.group_account_manager")

    def _assert_refused(self, call, document, state):
        with self.assertRaisesRegex(UserError, document.display_name) as caught:
            call()
        self.assertEqual(document.state, state)
        self.assertTrue(self._logs(document, "blocked"))
        return str(caught.exception)

    def test_purchase_button_approve_of_a_pending_order(self):
        self._rule(
            "purchase.order", amount_min=5000, tiers=[("PM", self.purchase_group)]
        )
        order = self._purchase(8000)
        order.button_confirm()
        self.assertEqual(order.approval_state, "pending")
        message = self._assert_refused(
            order.with_user(self.buyer).button_approve, order, "draft"
        )
        self.assertIn("8,000.00", message)
        self.assertIn("Pending Approval", message)
        # The tiers still work afterwards.
        order.approval_request_ids.with_user(self.purchase_manager).action_approve()
        self.assertEqual(order.state, "purchase")

    def test_purchase_button_unlock_of_a_draft(self):
        self._rule(
            "purchase.order", amount_min=5000, tiers=[("PM", self.purchase_group)]
        )
        order = self._purchase(8000)
        self._assert_refused(order.with_user(self.buyer).button_unlock, order, "draft")
        small = self._purchase(100)
        small.with_user(self.buyer).button_unlock()  # no rule applies
        self.assertEqual(small.state, "purchase")

    def test_confirm_entries_wizard_and_plain_post(self):
        self._rule(
            "account.move",
            amount_min=1000,
            domain="[('move_type', '=', 'in_invoice')]",
            tiers=[("Accounting manager", self.accounting_group)],
        )
        bill = self._move("in_invoice", self.vendor, 3000)
        wizard = (
            self.env["validate.account.move"]
            .with_user(self.billing)
            .with_context(active_model="account.move", active_ids=bill.ids)
            .create({})
        )
        self._assert_refused(wizard.validate_move, bill, "draft")
        self._assert_refused(bill.with_user(self.billing)._post, bill, "draft")
        small = self._move("in_invoice", self.vendor, 300)
        small.with_user(self.billing)._post()
        self.assertEqual(small.state, "posted")
        # Approved through the tiers, it posts.
        bill.action_post()
        bill.approval_request_ids.with_user(self.accountant).action_approve()
        self.assertEqual(bill.state, "posted")

    def test_payment_action_validate(self):
        self._rule(
            "account.payment",
            amount_min=500,
            tiers=[("Accounting manager", self.accounting_group)],
        )
        payment = self._payment(900)
        self._assert_refused(
            payment.with_user(self.billing).action_validate, payment, "draft"
        )
        self.assertFalse(payment.move_id.filtered(lambda m: m.state == "posted"))

    def test_sale_order_state_written_directly(self):
        self._rule(amount_min=1000)
        order = self._order(1500)
        self._assert_refused(
            lambda: order.with_user(self.salesman).write({"state": "sale"}),
            order,
            "draft",
        )
        order.action_confirm()
        self.assertEqual(order.approval_state, "pending")
        self._assert_refused(
            lambda: order.with_user(self.salesman).write({"state": "sale"}),
            order,
            "draft",
        )

    def test_rule_keeps_a_tier(self):
        rule = self._rule(amount_min=1000)
        with self.assertRaisesRegex(ValidationError, rule.name):
            rule.tier_ids.unlink()
        rule.active = False
        rule.tier_ids.unlink()  # an archived rule may lose its tiers
        self.assertFalse(rule.tier_ids)

    def test_approvers_of_other_companies_not_told(self):
        other = self.env["res.company"].create({"name": "IC Bypass Other"})
        outsider = new_test_user(
            self.env,
            login="ic_appr_other_manager",
            groups="sales_team.group_sale_manager",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        self._rule(amount_min=1000)
        order = self._order(1500)
        order.action_confirm()
        told = order.activity_ids.user_id
        self.assertIn(self.sales_manager, told)
        self.assertNotIn(outsider, told)

    def test_completion_in_the_documents_company(self):
        """The approver has another company enabled in the web client: the
        order is still confirmed, as the requester, in its own company."""
        other = self.env["res.company"].create({"name": "IC Bypass Approver Co"})
        self.sales_manager.company_ids = [Command.link(other.id)]
        self._rule(amount_min=1000)
        order = self._order(1500)
        order.action_confirm()
        request = order.approval_request_ids.with_user(self.sales_manager)
        request.with_context(
            allowed_company_ids=[other.id, self.company.id]
        ).action_approve()
        self.assertEqual(order.state, "sale")
