from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import DocumentCase


@tagged("post_install", "-at_install")
class TestApprovalDocuments(DocumentCase):
    def test_purchase_order(self):
        purchase_group = self.env.ref("purchase.group_purchase_manager")
        self._rule(
            "purchase.order",
            amount_min=5000,
            tiers=[("Purchase manager", purchase_group)],
        )
        small = self._purchase(100)
        small.button_confirm()
        self.assertEqual(small.state, "purchase")
        big = self._purchase(8000)
        big.button_confirm()
        self.assertEqual(big.state, "draft")
        self.assertEqual(big.approval_state, "pending")
        big.approval_request_ids.with_user(self.purchase_manager).action_approve()
        self.assertEqual(big.state, "purchase")

    def test_purchase_double_validation(self):
        """Ours first; an order we approved does not wait for Odoo's step."""
        self.company.write(
            {"po_double_validation": "two_step", "po_double_validation_amount": 1000}
        )
        purchase_group = self.env.ref("purchase.group_purchase_manager")
        self._rule(
            "purchase.order",
            amount_min=5000,
            tiers=[("Purchase manager", purchase_group)],
        )
        middle = self._purchase(2000)
        middle.button_confirm()
        self.assertEqual(middle.approval_state, "none")
        self.assertEqual(middle.state, "to approve")  # Odoo's double validation
        big = self._purchase(8000)
        big.button_confirm()
        self.assertEqual(big.state, "draft")
        big.approval_request_ids.with_user(self.purchase_manager).action_approve()
        self.assertEqual(big.state, "purchase")

    def test_vendor_bill_and_customer_invoice(self):
        accounting = self.env.ref("account.group_account_manager")
        self._rule(
            "account.move",
            amount_min=1000,
            domain="[('move_type', '=', 'in_invoice')]",
            tiers=[("Accounting manager", accounting)],
        )
        bill = self._move("in_invoice", self.vendor, 3000)
        bill.action_post()
        self.assertEqual(bill.state, "draft")
        self.assertEqual(bill.approval_state, "pending")
        invoice = self._move("out_invoice", self.partner, 3000)
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")
        bill.approval_request_ids.with_user(self.accountant).action_approve()
        self.assertEqual(bill.state, "posted")
        self.assertEqual(bill.approval_state, "approved")

    def test_payment(self):
        accounting = self.env.ref("account.group_account_manager")
        self._rule(
            "account.payment",
            amount_min=500,
            tiers=[("Accounting manager", accounting)],
        )
        payment = self._payment(900)
        payment.action_post()
        self.assertEqual(payment.state, "draft")
        self.assertEqual(payment.approval_state, "pending")
        payment.approval_request_ids.with_user(self.accountant).action_approve()
        self.assertIn(payment.state, ("in_process", "paid"))

    def test_multi_company(self):
        other = self.env["res.company"].create({"name": "IC Other Company"})
        self._rule(amount_min=10, company_id=other.id)
        order = self._order(500)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        rule_here = self._rule(amount_min=10)
        order = self._order(500)
        order.action_confirm()
        self.assertEqual(order.approval_state, "pending")
        other_user = new_test_user(
            self.env,
            login="ic_appr_other_company",
            groups="sales_internal_control.group_control_manager",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        Request = self.env["control.approval.request"].with_user(other_user)
        self.assertFalse(Request.search([("id", "in", order.approval_request_ids.ids)]))
        Rule = self.env["control.approval.rule"].with_user(other_user)
        self.assertFalse(Rule.search([("id", "=", rule_here.id)]))

    def test_bad_input(self):
        Rule = self.env["control.approval.rule"]
        tiers = [Command.create({"name": "T", "group_id": self.manager_group.id})]
        with self.assertRaisesRegex(ValidationError, "no tier"):
            Rule.create({"name": "No tier", "model_name": "sale.order"})
        with self.assertRaisesRegex(ValidationError, "-5"):
            Rule.create(
                {
                    "name": "Negative",
                    "model_name": "sale.order",
                    "amount_min": -5,
                    "tier_ids": tiers,
                }
            )
        with self.assertRaisesRegex(ValidationError, "not valid"):
            Rule.create(
                {
                    "name": "Bad domain",
                    "model_name": "sale.order",
                    "domain": "[('no_such_field', '=', 1)]",
                    "tier_ids": tiers,
                }
            )
        with self.assertRaisesRegex(ValidationError, "not valid"):
            Rule.create(
                {
                    "name": "Not a domain",
                    "model_name": "sale.order",
                    "domain": "oops(",
                    "tier_ids": tiers,
                }
            )
        with self.assertRaisesRegex(ValidationError, "sale orders"):
            Rule.create(
                {
                    "name": "Discount on bills",
                    "model_name": "account.move",
                    "discount_min": 10,
                    "tier_ids": tiers,
                }
            )
        with self.assertRaisesRegex(ValidationError, "between 0 and 100"):
            Rule.create(
                {
                    "name": "Discount 150",
                    "model_name": "sale.order",
                    "discount_min": 150,
                    "tier_ids": tiers,
                }
            )
        with self.assertRaisesRegex(ValidationError, "approver group or user"):
            Rule.create(
                {
                    "name": "Empty tier",
                    "model_name": "sale.order",
                    "tier_ids": [Command.create({"name": "Nobody"})],
                }
            )
        with self.assertRaises(AccessError):
            Rule.with_user(self.salesman).create(
                {"name": "By a salesman", "model_name": "sale.order", "tier_ids": tiers}
            )
