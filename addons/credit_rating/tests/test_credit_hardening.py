"""Issue 18 (items 1, 2, 5, 6, 14) for credit: no side door."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tests.common import new_test_user

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestCreditHardening(CreditCommon):
    def test_partner_credit_defaults_cannot_be_forged(self):
        Partner = self.env["res.partner"].with_user(self.salesman)
        forged = {
            "default_credit_limit": 1e6,
            "default_credit_hold": True,
            "default_credit_strategic": True,
            "default_credit_grade_override": "A",
            "default_registered_capital": 5e6,
        }
        for key, value in forged.items():
            with self.subTest(key=key):
                with self.assertRaisesRegex(AccessError, "Only credit controllers"):
                    Partner.with_context(**{key: value}).create({"name": "Forged"})
        for key, value in {
            "default_credit_grade": "A",
            "default_credit_score": 99,
        }.items():
            with self.subTest(key=key):
                with self.assertRaisesRegex(AccessError, "credit scorecard only"):
                    Partner.with_context(**{key: value}).create({"name": "Forged"})
        self.assertFalse(Partner.search([("name", "=", "Forged")]))
        # a credit controller may give them at creation
        partner = (
            self.env["res.partner"]
            .with_user(self.controller)
            .with_context(default_credit_strategic=True)
            .create({"name": "Given"})
        )
        self.assertTrue(partner.sudo().credit_strategic)

    def test_personal_default_refused_company_default_kept(self):
        self.env["ir.default"].with_user(self.salesman).set(
            "res.partner", "credit_hold", False, user_id=True
        )
        self.env["ir.default"].with_user(self.salesman).set(
            "res.partner", "credit_strategic", True, user_id=True
        )
        with self.assertRaisesRegex(AccessError, "Only credit controllers"):
            self.env["res.partner"].with_user(self.salesman).create({"name": "Own"})
        self.env["ir.default"].search([("user_id", "=", self.salesman.id)]).unlink()
        # a company-wide default credit limit (Odoo's setting) is no forgery
        self.env["ir.default"].set(
            "res.partner", "credit_limit", 750.0, company_id=self.company.id
        )
        partner = (
            self.env["res.partner"]
            .with_user(self.salesman)
            .create({"name": "New Customer"})
        )
        self.assertEqual(partner.sudo().credit_limit, 750.0)

    def test_release_default_refused(self):
        Order = self.env["sale.order"].with_user(self.salesman)
        with self.assertRaisesRegex(AccessError, "credit release"):
            Order.with_context(default_credit_release_amount=1e9).create(
                {"partner_id": self.customer.id}
            )

    def test_created_confirmed_over_the_limit(self):
        Order = self.env["sale.order"].with_user(self.salesman)
        count = Order.search_count([])
        with self.assertRaisesRegex(UserError, "Credit check failed"):
            self._order(amount=5000.0, state="sale")
        with self.assertRaisesRegex(UserError, "Credit check failed"):
            Order.with_context(default_state="sale").create(
                {
                    "partner_id": self.customer.id,
                    "order_line": [
                        (0, 0, {"product_id": self.product.id, "price_unit": 5000.0})
                    ],
                }
            )
        self.assertEqual(Order.search_count([]), count)
        order = self._order(amount=500.0, state="sale")
        self.assertEqual(order.state, "sale")

    def test_unit_of_measure_on_a_confirmed_order(self):
        order = self._order(amount=500.0)
        order.action_confirm()
        dozen = self.env.ref("uom.product_uom_dozen")
        with self.assertRaises(UserError) as refusal:
            order.order_line.with_user(self.salesman).write(
                {"product_uom": dozen.id, "price_unit": 6000.0}
            )
        self.assertIn("Credit check failed", str(refusal.exception))
        self.assertEqual(order.order_line.product_uom, self.product.uom_id)

    def test_release_by_a_controller_without_email(self):
        controller = new_test_user(
            self.env,
            login="credit_mute_controller",
            email=False,
            groups="sales_team.group_sale_salesman_all_leads,"
            "credit_rating.group_credit_controller",
        )
        controller.partner_id.email = False
        order = self._order(amount=5000.0)
        with self.assertRaises(UserError):
            order.action_confirm()
        order.with_user(controller).action_credit_release("Paid in advance")
        self.assertEqual(order.credit_release_amount, 5000.0)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
