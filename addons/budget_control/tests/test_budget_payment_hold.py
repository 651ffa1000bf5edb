import math

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import BudgetCommon


@tagged("post_install", "-at_install")
class TestBudgetPaymentHold(BudgetCommon):
    """Outgoing payments of bills on a budget consumed at or above the hold
    wait for a budget manager."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["control.approval.rule"].sudo().search([]).active = False
        cls.company.sudo().write(
            {"budget_payment_hold_pct": 85.0, "control_approval_payment": False}
        )
        cls.bill = cls._bill(900.0)
        cls.bill.action_post()

    def _pay(self, bills, user=None):
        env = self.env(user=user) if user else self.env
        return (
            env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=bills.ids)
            .create({"payment_date": fields.Date.today()})
            ._create_payments()
        )

    def _pending(self, payment):
        return payment.sudo().approval_request_ids.filtered(
            lambda r: r.state == "pending"
        )

    def test_held_payment_waits_for_a_budget_manager(self):
        self.assertIn("Marketing budget 90.00%", self.bill.budget_payment_hold)
        self.assertIn("85.00%", self.bill.budget_payment_hold)
        payment = self._pay(self.bill)
        self.assertEqual(payment.state, "draft")
        self.assertEqual(payment.approval_state, "pending")
        self.assertEqual(payment.budget_hold_state, "held")
        self.assertIn("Marketing budget (90.00%)", payment.budget_hold_message)
        request = self._pending(payment)
        self.assertEqual(
            request.group_id, self.env.ref("budget_control.group_budget_manager")
        )
        self.assertEqual(len(self._logs("approval_requested", payment)), 1)
        # No other way of posting passes the hold.
        with self.assertRaisesRegex(UserError, "Marketing budget"):
            payment.write({"state": "in_process"})
        self.assertEqual(len(self._logs("blocked", payment)), 1)
        request.with_user(self.budget_manager).action_approve()
        self.assertIn(payment.state, ("in_process", "paid"))
        self.assertEqual(payment.budget_hold_state, "released")
        # Reconciled with the bill once posted, as the wizard would have.
        self.assertIn(self.bill.payment_state, ("paid", "in_payment"))

    def test_emergency_approval_does_not_release_the_hold(self):
        emergency = new_test_user(
            self.env,
            login="hold_emergency",
            groups="sales_internal_control.group_emergency_approver",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        payment = self._pay(self.bill)
        self._pending(payment).with_user(emergency).action_emergency_approve("Now")
        # Not released: a new round asks the budget managers again.
        self.assertEqual(payment.state, "draft")
        self.assertEqual(payment.approval_state, "pending")
        self.assertEqual(
            self._pending(payment).group_id,
            self.env.ref("budget_control.group_budget_manager"),
        )
        self.assertTrue(
            any("void" in log.message for log in self._logs("blocked", payment))
        )

    def test_payments_that_are_not_held(self):
        # Below the hold.
        self.company.sudo().budget_payment_hold_pct = 95.0
        self.assertFalse(self.bill.budget_payment_hold)
        payment = self._pay(self.bill)
        self.assertIn(payment.state, ("in_process", "paid"))
        self.assertEqual(payment.budget_hold_state, "none")
        # The hold off (0).
        self.company.sudo().budget_payment_hold_pct = 0.0
        bill = self._bill(50.0)
        bill.action_post()
        self.assertFalse(bill.budget_payment_hold)
        self.assertIn(self._pay(bill).state, ("in_process", "paid"))
        # A bill on an account without a budget.
        self.company.sudo().budget_payment_hold_pct = 85.0
        other_account = self.env["account.analytic.account"].create(
            {"name": "No budget", "plan_id": self.plan.id}
        )
        free = self._bill(10.0, distribution={str(other_account.id): 100})
        free.action_post()
        self.assertIn(self._pay(free).state, ("in_process", "paid"))
        # A customer's payment.
        inbound = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.vendor.id,
                "amount": 10.0,
                "invoice_ids": [Command.set(self.bill.ids)],
            }
        )
        inbound.action_post()
        self.assertEqual(inbound.state, "in_process")

    def test_approval_given_before_the_hold_is_voided(self):
        self.company.sudo().write(
            {"control_approval_payment": True, "budget_payment_hold_pct": 95.0}
        )
        self.env["control.approval.rule"].sudo().create(
            {
                "name": "Every payment",
                "model_name": "account.payment",
                "company_id": self.company.id,
                "tier_ids": [
                    Command.create({"name": "Boss", "user_id": self.owner.id})
                ],
            }
        )
        # A payment entered as a draft (the wizard's payments reach "in
        # process" at creation: refused under a payment rule, as before).
        payment = self.env["account.payment"].create(
            {
                "payment_type": "outbound",
                "partner_type": "supplier",
                "partner_id": self.vendor.id,
                "amount": 900.0,
                "invoice_ids": [Command.set(self.bill.ids)],
            }
        )
        payment.action_post()
        self.assertEqual(len(self._pending(payment)), 1)  # the rule's tier only
        # The budget reaches the hold before the approval.
        self._bill(60.0).action_post()
        # Approved: the payment is not posted, a new round asks the rule's
        # approver and the budget managers.
        self._pending(payment).with_user(self.owner).action_approve()
        self.assertEqual(payment.state, "draft")
        self.assertEqual(payment.approval_state, "pending")
        tiers = payment.sudo().approval_request_ids.sorted("sequence")
        self.assertEqual(
            tiers.mapped("tier_name"), ["Boss", "Budget manager (payment hold)"]
        )

    def test_hold_percentage_must_be_valid(self):
        for bad in (-1.0, math.nan, math.inf, 5000.0):
            with self.subTest(bad=bad), self.assertRaises(ValidationError):
                self.company.sudo().budget_payment_hold_pct = bad
        settings = self.env["res.config.settings"].sudo().create({})
        settings.budget_payment_hold_pct = 80.0
        settings.execute()
        self.assertEqual(self.company.budget_payment_hold_pct, 80.0)
