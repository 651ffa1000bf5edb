from odoo.tests import HttpCase, new_test_user, tagged

from .common import ApprovalCase, BrowserCaseMixin, PhoneLayoutMixin


@tagged("post_install", "-at_install", "ic_browser")
class TestRequestFormTour(BrowserCaseMixin, PhoneLayoutMixin, HttpCase, ApprovalCase):
    """An approver decides from the request form in Odoo's phone layout
    (browser test, tag ``ic_browser``: run by ``odoo-bin --test-enable``)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.approver = new_test_user(
            cls.env,
            login="ic_form_tour_approver",
            # No right on sale orders: the request shows what they approve.
            groups="base.group_user",
        )
        cls._rule(tiers=[("Approver", cls.approver)], amount_min=1000.0)

    def test_approve_from_the_phone_form(self):
        order = self._order(price=1500.0)
        order.sudo().name = "SIC-FORM-A"
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.approval_state, "pending")
        self.start_tour(
            "/odoo",
            "sales_internal_control_request_form_mobile",
            login=self.approver.login,
        )
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.approval_state, "approved")
