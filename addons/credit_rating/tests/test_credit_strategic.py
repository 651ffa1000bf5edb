from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestCreditStrategic(CreditCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.control_approval_sale = True
        cls.customer.with_user(cls.controller).credit_strategic = True
        cls.group = cls.env.ref("credit_rating.group_credit_controller")

    def _request(self, order):
        return order.sudo().approval_request_ids

    def test_strategic_within_limit_confirms(self):
        order = self._order(amount=500.0)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertFalse(self._request(order))

    def test_strategic_over_limit_goes_to_approval(self):
        self._order(amount=800.0).action_confirm()
        order = self._order(amount=500.0)
        order.with_user(self.salesman).action_confirm()  # no error
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.approval_state, "pending")
        request = self._request(order)
        self.assertEqual(len(request), 1)
        self.assertEqual(request.group_id, self.group)
        self.assertAlmostEqual(request.amount, 500.0)
        self.assertFalse(self._logs(order, "blocked"))
        # a salesman cannot decide it
        with self.assertRaises(UserError):
            request.with_user(self.salesman).action_approve()
        # the credit controller approves: the order is confirmed
        request.with_user(self.controller).action_approve("Strategic account")
        self.assertEqual(order.approval_state, "approved")
        self.assertEqual(order.state, "sale")
        self.assertAlmostEqual(self.customer.credit_exposure, 1300.0)

    def test_emergency_approval_does_not_release_credit(self):
        emergency = new_test_user(
            self.env,
            login="credit_emergency",
            groups="sales_team.group_sale_salesman,"
            "sales_internal_control.group_emergency_approver",
        )
        self._order(amount=800.0).action_confirm()
        order = self._order(amount=500.0)
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.approval_state, "pending")
        self._request(order).with_user(emergency).action_emergency_approve(
            "Customer is waiting"
        )
        self.assertEqual(order.approval_state, "approved")
        self.assertEqual(order.state, "draft")  # the credit check still refuses
        self.assertTrue(self._logs(order, "blocked"))

    def test_strategic_on_hold_goes_to_approval(self):
        self.customer.with_user(self.controller).credit_hold = True
        order = self._order(amount=10.0)
        order.action_confirm()
        self.assertEqual(order.approval_state, "pending")
        self.assertEqual(order.state, "draft")

    def test_approval_void_when_amount_rises(self):
        order = self._order(amount=1500.0)
        order.action_confirm()
        self._request(order).with_user(self.controller).action_approve()
        self.assertEqual(order.state, "sale")
        # a second order routed at 100, then raised to 200 before the decision
        order2 = self._order(amount=100.0)
        order2.action_confirm()
        self.assertEqual(order2.approval_state, "pending")
        request = self._request(order2)
        order2.order_line.price_unit = 200.0  # void at once: the total rose
        self.assertEqual(order2.approval_state, "none")
        with self.assertRaisesRegex(UserError, "already"):
            request.with_user(self.controller).action_approve()
        self.assertEqual(order2.state, "draft")
        order2.invalidate_recordset()
        order2.action_confirm()
        self.assertEqual(order2.approval_state, "pending")
        self.assertAlmostEqual(self._request(order2).amount, 200.0)
        self.assertEqual(order2.state, "draft")

    def test_strategic_hard_block_without_approvals(self):
        self.company.control_approval_sale = False
        self._order(amount=900.0).action_confirm()
        order = self._order(amount=500.0)
        with self.assertRaises(UserError) as cm:
            order.action_confirm()
        self.assertIn("1,000.00", str(cm.exception))
        self.assertEqual(order.state, "draft")

    def test_not_strategic_is_blocked_not_routed(self):
        self.customer.with_user(self.controller).credit_strategic = False
        self._order(amount=900.0).action_confirm()
        order = self._order(amount=500.0)
        with self.assertRaises(UserError):
            order.action_confirm()
        self.assertEqual(order.approval_state, "none")

    def test_flag_set_after_a_confirmation_routes(self):
        """Whether the company has strategic customers is cached: setting a
        flag (or the company's default) takes effect at once."""
        self._no_strategic_customers()
        other = self.env["res.partner"].create(
            {"name": "Later Strategic Co", "credit_limit": 100.0}
        )
        self._order(amount=900.0).action_confirm()  # the cache says "none"
        other.with_user(self.controller).credit_strategic = True
        order = self._order(partner=other, amount=500.0)
        order.action_confirm()
        self.assertEqual(order.approval_state, "pending")
        # the default of the company makes every customer strategic
        other.with_user(self.controller).credit_strategic = False
        self.assertFalse(self.env["res.partner"]._credit_has_strategic(self.company.id))
        self.env["ir.default"].set(
            "res.partner", "credit_strategic", True, company_id=self.company.id
        )
        order = self._order(amount=500.0)
        order.action_confirm()
        self.assertEqual(order.approval_state, "pending")
        self.assertEqual(self._request(order).group_id, self.group)
