from odoo.tests import HttpCase, new_test_user, tagged

from .common import ApprovalCase, BrowserCaseMixin, PhoneLayoutMixin


@tagged("post_install", "-at_install", "ic_browser")
class TestMyApprovalsTour(BrowserCaseMixin, PhoneLayoutMixin, HttpCase, ApprovalCase):
    """An approver decides from "My Approvals" in Odoo's phone layout.

    A browser test (tag ``ic_browser``): it needs Odoo's HTTP server and
    Chromium, so ``make test`` runs it with ``odoo-bin --test-enable``;
    pytest-odoo starts no server and skips it.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.approver = new_test_user(
            cls.env,
            login="ic_tour_approver",
            groups="sales_team.group_sale_manager,"
            "sales_internal_control.group_control_user",
        )
        cls._rule(tiers=[("Approver", cls.approver)], amount_min=1000.0)

    def test_approve_and_reject_on_a_phone(self):
        orders = self.env["sale.order"]
        for name in ("SIC-TOUR-A", "SIC-TOUR-B"):
            order = self._order(price=1500.0)
            order.sudo().name = name
            order.with_user(self.salesman).action_confirm()
            orders |= order
        approve, reject = orders
        self.assertEqual(orders.mapped("state"), ["draft", "draft"])
        self.assertEqual(orders.mapped("approval_state"), ["pending", "pending"])

        self.start_tour(
            "/odoo",
            "sales_internal_control_my_approvals_mobile",
            login=self.approver.login,
        )

        self.assertEqual(approve.state, "sale")
        self.assertEqual(approve.approval_state, "approved")
        requests = (
            self.env["control.approval.request"]
            .with_context(active_test=False)
            .search([("res_model", "=", "sale.order"), ("res_id", "in", orders.ids)])
        )
        by_order = requests.grouped("res_id")
        self.assertEqual(by_order[approve.id].mapped("state"), ["approved"])
        self.assertEqual(by_order[approve.id].decided_by_id, self.approver)
        self.assertEqual(reject.state, "draft")
        self.assertEqual(reject.approval_state, "rejected")
        self.assertEqual(by_order[reject.id].mapped("state"), ["rejected"])
        self.assertEqual(
            by_order[reject.id].comment, "Price not agreed with the customer"
        )
        self.assertTrue(self._logs(reject, "rejected"))
