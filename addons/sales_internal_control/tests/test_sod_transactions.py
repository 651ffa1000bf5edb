from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from .common import DocumentCase


@tagged("post_install", "-at_install")
class TestSodTransactions(DocumentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "sod_bill_payment": True,
                "sod_bank_payment": True,
                "sod_po_bill": True,
                "sod_bank_window_days": 30,
            }
        )
        cls.payer = new_test_user(
            cls.env, login="ic_sod_payer", groups="account.group_account_invoice"
        )
        cls.billing.groups_id |= cls.env.ref("base.group_partner_manager")

    def _bill(self, user=None):
        bill = self._move("in_invoice", self.vendor, 500.0)
        bill.with_user(user or self.billing).action_post()
        return bill

    def _register(self, bill, user):
        return (
            self.env["account.payment.register"]
            .with_user(user)
            .with_context(active_model="account.move", active_ids=bill.ids)
            .create({})
            ._create_payments()
        )

    def _blocked(self, record):
        return self._logs(record, "blocked").filtered(lambda log: log.control == "sod")

    # --------------------------------------------------------- bill x payment
    def test_bill_creator_cannot_pay_it(self):
        bill = self._bill()
        self.assertEqual(bill.control_posted_by_id, self.billing)
        # Without a savepoint: the refusal's log line stays readable.
        with self.assertRaisesRegex(UserError, "Segregation of duties") as caught:
            self._register(bill, self.billing)
        self.assertIn(bill.name, str(caught.exception))
        self.assertEqual(bill.payment_state, "not_paid")
        refused = self.env["account.payment"].search(
            [("partner_id", "=", self.vendor.id)]
        )
        self.assertTrue(self._blocked(refused))
        # Someone else pays it.
        payments = self._register(bill, self.payer)
        self.assertIn(payments.state, ("in_process", "paid"))
        self.assertIn(bill.payment_state, ("in_payment", "paid"))

    def test_bill_poster_cannot_pay_it(self):
        bill = self._move("in_invoice", self.vendor, 500.0)
        bill.with_user(self.payer).action_post()
        self.assertEqual(bill.control_posted_by_id, self.payer)
        with self.assertRaises(UserError):
            self._register(bill, self.payer)

    def test_posted_by_cannot_be_forged(self):
        bill = self._bill()
        with self.assertRaises(AccessError):
            bill.with_user(self.billing).write({"control_posted_by_id": self.payer.id})
        self.assertEqual(bill.control_posted_by_id, self.billing)

    def test_bill_creator_cannot_approve_its_payment(self):
        """A payment waiting for approval: the bill's creator may not approve
        it (nor post it once linked to the bill)."""
        self._rule(
            "account.payment",
            tiers=[("Billing", self.env.ref("account.group_account_invoice"))],
            amount_min=0,
        )
        bill = self._bill(self.payer)
        payment = self._payment(500.0)
        payment.invoice_ids = bill
        payment.with_user(self.billing).action_post()
        self.assertEqual(payment.state, "draft")
        request = self.env["control.approval.request"].search(
            [("res_model", "=", "account.payment"), ("res_id", "=", payment.id)]
        )
        self.assertTrue(request)
        with self.assertRaises(UserError) as caught:
            request.with_user(self.payer).action_approve()
        self.assertIn("created or posted the vendor bill", str(caught.exception))
        self.assertEqual(request.state, "pending")
        # Rejecting is not paying: allowed.
        request.with_user(self.payer).action_reject("Wrong amount")
        self.assertEqual(request.state, "rejected")

    # --------------------------------------------------------- bank x payment
    def test_bank_editor_cannot_pay_to_it(self):
        self.env["res.partner.bank"].with_user(self.billing).create(
            {"partner_id": self.vendor.id, "acc_number": "BE71096123456769"}
        )
        payment = self._payment(100.0)
        with self.assertRaisesRegex(UserError, "bank account of Approval Vendor"):
            payment.with_user(self.billing).action_post()
        self.assertEqual(payment.state, "draft")
        self.assertTrue(self._blocked(payment))
        payment.with_user(self.payer).action_post()
        self.assertEqual(payment.state, "in_process")

    def test_bank_change_outside_the_window(self):
        bank = (
            self.env["res.partner.bank"]
            .with_user(self.billing)
            .create({"partner_id": self.vendor.id, "acc_number": "BE71096123456769"})
        )
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner_bank SET create_date = now() - interval '40 days', "
                "write_date = now() - interval '40 days' WHERE id = %s",
                bank.id,
            )
        )
        self.env.cr.execute(
            SQL(
                "UPDATE control_log SET date = now() - interval '40 days' "
                "WHERE event = 'bank_account' AND res_id = %s",
                self.vendor.id,
            )
        )
        self.env.invalidate_all()
        payment = self._payment(100.0)
        payment.with_user(self.billing).action_post()
        self.assertEqual(payment.state, "in_process")

    # --------------------------------------------------------- purchase x bill
    def test_purchase_requester_cannot_post_its_bill(self):
        self.buyer.groups_id |= self.env.ref("account.group_account_invoice")
        order = self._purchase(300.0)
        order.with_user(self.buyer).button_confirm()
        order.order_line.qty_received = 1
        bill = self.env["account.move"].browse(
            order.with_user(self.buyer).action_create_invoice()["res_id"]
        )
        bill.invoice_date = "2026-11-01"
        with self.assertRaises(UserError) as caught:
            bill.with_user(self.buyer).action_post()
        self.assertIn(order.name, str(caught.exception))
        self.assertEqual(bill.state, "draft")
        bill.with_user(self.payer).action_post()
        self.assertEqual(bill.state, "posted")

    def test_plain_state_write_meets_the_rule(self):
        self.buyer.groups_id |= self.env.ref("account.group_account_invoice")
        order = self._purchase(300.0)
        order.with_user(self.buyer).button_confirm()
        order.order_line.qty_received = 1
        bill = self.env["account.move"].browse(
            order.with_user(self.buyer).action_create_invoice()["res_id"]
        )
        bill.invoice_date = "2026-11-01"
        with self.assertRaises(UserError):
            bill.with_user(self.buyer).write({"state": "posted"})
        self.assertEqual(bill.state, "draft")

    def test_rules_off_let_everything_through(self):
        self.company.write(
            {"sod_bill_payment": False, "sod_po_bill": False, "sod_bank_payment": False}
        )
        bill = self._bill()
        payments = self._register(bill, self.billing)
        self.assertIn(payments.state, ("in_process", "paid"))

    def test_admin_is_not_exempt(self):
        admin = self.env.ref("base.user_admin")
        bill = self._move("in_invoice", self.vendor, 500.0)
        bill.with_user(admin).action_post()
        with self.assertRaises(UserError):
            self._register(bill, admin)

    # ------------------------------------------------------------------ 2FA
    def test_decisions_need_two_factor_authentication(self):
        self.company.approval_requires_2fa = True
        self._rule(amount_min=0)
        order = self._order(price=100.0, user=self.salesman)
        order.with_user(self.salesman).action_confirm()
        request = self.env["control.approval.request"].search(
            [("res_model", "=", "sale.order"), ("res_id", "=", order.id)]
        )
        for decide in (
            lambda: request.with_user(self.sales_manager).action_approve(),
            lambda: request.with_user(self.sales_manager).action_reject("No"),
        ):
            with self.assertRaises(UserError) as caught:
                decide()
            self.assertIn("two-factor authentication", str(caught.exception))
        self.assertEqual(request.state, "pending")
        self.sales_manager.sudo().totp_secret = "JBSWY3DPEHPK3PXP"
        request.with_user(self.sales_manager).action_approve()
        self.assertEqual(request.state, "approved")
        self.assertEqual(order.state, "sale")

    def test_releases_need_two_factor_authentication(self):
        self.company.approval_requires_2fa = True
        order = self._order(price=100.0, user=self.salesman)
        # A sale order's release: the decider's check runs before anything.
        if not hasattr(order, "action_credit_release"):
            self.skipTest("credit_rating is not installed")
        controller = new_test_user(
            self.env,
            login="ic_sod_credit",
            groups="sales_team.group_sale_manager,credit_rating.group_credit_controller",
        )
        with self.assertRaises(UserError) as caught:
            order.with_user(controller).action_credit_release("Known customer")
        self.assertIn("two-factor authentication", str(caught.exception))
        self.assertFalse(order.credit_release_amount)
