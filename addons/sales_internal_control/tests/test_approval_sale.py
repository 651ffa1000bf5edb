from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import ApprovalCase


@tagged("post_install", "-at_install")
class TestApprovalSale(ApprovalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule = cls._rule(
            amount_min=1000,
            tiers=[
                ("Sales manager", cls.manager_group),
                ("Controller", cls.controller_group),
            ],
        )

    def _pending_order(self, price=1500.0):
        order = self._order(price)
        order.action_confirm()
        return order, order.approval_request_ids.sorted("sequence")

    def test_no_rule_applies_confirms(self):
        order = self._order(999.0)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.approval_state, "none")
        self.assertFalse(order.approval_request_ids)

    def test_pending_creates_requests_activity_and_log(self):
        order, requests = self._pending_order()
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.approval_state, "pending")
        self.assertEqual(requests.mapped("state"), ["pending", "waiting"])
        self.assertEqual(requests.mapped("amount"), [1500.0, 1500.0])
        self.assertEqual(requests.requested_by_id, self.salesman)
        activity_users = order.activity_ids.user_id
        self.assertIn(self.sales_manager, activity_users)
        self.assertNotIn(self.salesman, activity_users)
        self.assertEqual(len(self._logs(order, "approval_requested")), 1)
        # confirming again while pending changes nothing
        order.action_confirm()
        self.assertEqual(len(order.approval_request_ids), 2)

    def test_approve_in_order_confirms(self):
        order, requests = self._pending_order()
        requests[0].with_user(self.sales_manager).action_approve("fine")
        self.assertEqual(requests.mapped("state"), ["approved", "pending"])
        self.assertEqual(order.state, "draft")
        self.assertIn(self.controller, order.activity_ids.user_id)
        self.assertNotIn(self.sales_manager, order.activity_ids.user_id)
        requests[1].with_user(self.controller).action_approve()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.approval_state, "approved")
        self.assertEqual(order.approval_amount, 1500.0)
        self.assertEqual(requests[0].decided_by_id, self.sales_manager)
        self.assertEqual(requests[0].comment, "fine")
        self.assertEqual(len(self._logs(order, "approved")), 2)
        self.assertFalse(order.activity_ids)

    def test_my_approvals(self):
        order, requests = self._pending_order()
        Request = self.env["control.approval.request"]
        mine = Request.with_user(self.sales_manager).search([("can_decide", "=", True)])
        self.assertIn(requests[0], mine)
        self.assertNotIn(requests[1], mine)
        self.assertFalse(
            Request.with_user(self.salesman).search([("can_decide", "=", True)])
        )
        # the dashboard's tile counts them and opens them
        data = self.env["control.dashboard"].with_user(self.sales_manager).get_data()
        tiles = {t["key"]: t for s in data["sections"] for t in s["tiles"]}
        self.assertEqual(tiles["my_approvals"]["value"], len(mine))
        action = tiles["my_approvals"]["action"]
        self.assertIn(
            requests[0], Request.with_user(self.sales_manager).search(action["domain"])
        )

    def test_tier_out_of_order_refused(self):
        order, requests = self._pending_order()
        with self.assertRaisesRegex(UserError, "cannot be decided before"):
            requests[1].with_user(self.controller).action_approve()
        self.assertEqual(requests[1].state, "waiting")

    def test_group_refused(self):
        order, requests = self._pending_order()
        with self.assertRaises(AccessError):
            requests[0].with_user(self.outsider).action_approve()
        self.assertEqual(requests[0].state, "pending")

    def test_self_approval_refused_admin_included(self):
        admin = self.env.ref("base.user_admin")
        order = self._order(2000.0, user=admin)
        order.with_user(admin).action_confirm()
        request = order.approval_request_ids.sorted("sequence")[0]
        self.assertEqual(request.requested_by_id, admin)
        with self.assertRaisesRegex(UserError, "Segregation of duties"):
            request.with_user(admin).action_approve()
        with self.assertRaisesRegex(UserError, "Segregation of duties"):
            request.with_user(admin).sudo().action_approve()
        self.assertEqual(request.state, "pending")

    def test_reject_then_new_round(self):
        order, requests = self._pending_order()
        with self.assertRaises(UserError):
            requests[0].with_user(self.sales_manager).action_reject("  ")
        requests[0].with_user(self.sales_manager).action_reject("Price too low")
        self.assertEqual(order.approval_state, "rejected")
        self.assertEqual(order.state, "draft")
        self.assertEqual(requests.mapped("state"), ["rejected", "cancelled"])
        self.assertEqual(len(self._logs(order, "rejected")), 1)
        order.order_line.price_unit = 1400.0
        order.action_confirm()
        self.assertEqual(order.approval_state, "pending")
        self.assertFalse(requests.exists().filtered("active"))
        new = order.approval_request_ids
        self.assertEqual(len(new), 2)
        self.assertNotEqual(new, requests)

    def test_emergency_approval(self):
        order, requests = self._pending_order()
        with self.assertRaises(AccessError):
            requests[0].with_user(self.outsider).action_emergency_approve("urgent")
        with self.assertRaises(UserError):
            requests[0].with_user(self.emergency).action_emergency_approve("")
        self.assertEqual(order.state, "draft")
        requests[0].with_user(self.emergency).action_emergency_approve(
            "Customer ship leaves tonight"
        )
        self.assertEqual(order.state, "sale")
        self.assertTrue(all(requests.mapped("emergency")))
        self.assertEqual(requests.mapped("state"), ["approved", "approved"])
        self.assertEqual(len(self._logs(order, "emergency_approved")), 1)
        review = self.env.ref(
            "sales_internal_control.mail_activity_type_emergency_review"
        )
        reviewers = order.activity_ids.filtered(
            lambda a: a.activity_type_id == review
        ).user_id
        self.assertIn(self.controller, reviewers)

    def test_emergency_refused_to_requester(self):
        order = self._order(2000.0, user=self.emergency)
        order.with_user(self.emergency).action_confirm()
        with self.assertRaisesRegex(UserError, "Segregation of duties"):
            order.approval_request_ids[0].with_user(
                self.emergency
            ).action_emergency_approve("mine")

    def _edit_line(self, order, **values):
        """Like the form view: lines are saved through the order."""
        order.write({"order_line": [Command.update(order.order_line.id, values)]})

    def test_amount_raised_voids_approval(self):
        order, requests = self._pending_order()
        self._edit_line(order, price_unit=1800.0)
        self.assertEqual(order.approval_state, "none")
        self.assertEqual(set(requests.mapped("state")), {"cancelled"})
        self.assertEqual(len(self._logs(order, "anomaly")), 1)
        order.action_confirm()
        self.assertEqual(order.approval_state, "pending")
        self.assertEqual(order.approval_request_ids.mapped("amount"), [1800.0] * 2)

    def test_amount_raised_after_approval_is_refused(self):
        order, requests = self._pending_order()
        requests[0].with_user(self.sales_manager).action_approve()
        requests[1].with_user(self.controller).action_approve()
        self.assertEqual(order.state, "sale")
        # A confirmed order raised beyond its approval is refused, not kept
        # confirmed with a void approval.
        with self.assertRaises(UserError) as refusal:
            self._edit_line(order, price_unit=3000.0)
        self.assertRegex(str(refusal.exception), r"1,500\.00 to .*3,000\.00")
        self.assertEqual(order.order_line.price_unit, 1500.0)
        self.assertEqual((order.state, order.approval_state), ("sale", "approved"))

    def test_line_written_directly_voids_at_once(self):
        order, requests = self._pending_order()
        order.order_line.price_unit = 1900.0  # e.g. over XML-RPC on the line
        self.assertEqual(order.approval_state, "none")
        self.assertEqual(set(requests.mapped("state")), {"cancelled"})
        self.assertEqual(len(self._logs(order, "anomaly")), 1)
        with self.assertRaisesRegex(UserError, "already"):
            requests[0].with_user(self.sales_manager).action_approve()
        self.assertEqual(order.state, "draft")

    def test_line_added_after_approval_is_refused(self):
        order, requests = self._pending_order()
        requests[0].with_user(self.sales_manager).action_approve()
        requests[1].with_user(self.controller).action_approve()
        self.assertEqual(order.state, "sale")
        with self.assertRaises(UserError) as refusal:
            self.env["sale.order.line"].with_user(self.salesman).create(
                {
                    "order_id": order.id,
                    "product_id": self.product.id,
                    "price_unit": 900.0,
                    "tax_id": [Command.clear()],
                }
            )
        self.assertIn("2,400.00", str(refusal.exception))
        self.assertEqual(len(order.order_line), 1)
        self.assertEqual(order.approval_state, "approved")

    def test_context_key_does_not_skip_the_amount_check(self):
        order, requests = self._pending_order()
        order.with_user(self.salesman).with_context(
            approval_checking_amount=True
        ).write(
            {
                "order_line": [
                    Command.update(order.order_line.id, {"price_unit": 1700.0})
                ]
            }
        )
        self.assertEqual(order.approval_state, "none")
        self.assertEqual(set(requests.mapped("state")), {"cancelled"})

    def test_lower_amount_keeps_approval(self):
        order, requests = self._pending_order()
        order.order_line.price_unit = 1200.0
        self.assertEqual(order.approval_state, "pending")

    def test_discount_rule(self):
        self.rule.active = False
        self._rule(discount_min=20)
        order = self._order(100.0, discount=10)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        order = self._order(100.0, discount=25)
        order.action_confirm()
        self.assertEqual(order.approval_state, "pending")

    def test_domain_rule(self):
        self.rule.active = False
        vip = self.env["res.partner"].create({"name": "VIP Customer"})
        self._rule(domain=f"[('partner_id', '=', {vip.id})]")
        order = self._order(100.0)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        order = self._order(100.0)
        order.partner_id = vip
        order.action_confirm()
        self.assertEqual(order.approval_state, "pending")

    def test_several_rules_all_tiers_in_sequence(self):
        self._rule(
            discount_min=5, tiers=[("Discount manager", self.sales_manager)], sequence=1
        )
        order = self._order(1500.0, discount=10)
        order.action_confirm()
        requests = order.approval_request_ids.sorted("sequence")
        self.assertEqual(len(requests), 3)
        self.assertEqual(requests[0].state, "pending")

    def test_setting_off(self):
        self.company.control_approval_sale = False
        order = self._order(5000.0)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_requests_readable_by_requester_not_by_others(self):
        order, requests = self._pending_order()
        Request = self.env["control.approval.request"]
        domain = [("id", "in", requests.ids)]
        self.assertEqual(Request.with_user(self.salesman).search(domain), requests)
        self.assertFalse(Request.with_user(self.outsider).search(domain))
        with self.assertRaises(AccessError):
            requests.with_user(self.salesman).write({"state": "approved"})

    def test_approval_fields_only_set_by_the_engine(self):
        order, requests = self._pending_order()
        for vals in ({"approval_state": "approved"}, {"approval_amount": 1e9}):
            with self.assertRaises(AccessError):
                order.with_user(self.sales_manager).write(vals)
            with self.assertRaises(AccessError):
                order.with_user(self.salesman).with_context(
                    approval_checking_amount=True
                ).write(vals)
        with self.assertRaises(AccessError):
            self.env["sale.order"].with_user(self.salesman).create(
                {"partner_id": self.partner.id, "approval_state": "approved"}
            )
        self.assertEqual(order.approval_state, "pending")
        order.action_confirm()
        self.assertEqual(order.state, "draft")
