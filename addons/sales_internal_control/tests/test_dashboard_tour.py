from odoo.tests import HttpCase, new_test_user, tagged

from .common import ApprovalCase, BrowserCaseMixin, PhoneLayoutMixin


class DashboardTourMixin(BrowserCaseMixin):
    """Internal Control > Overview in the browser (tag ``ic_browser``: run by
    ``odoo-bin --test-enable``, pytest-odoo starts no server and skips it)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.viewer = new_test_user(
            cls.env,
            login="ic_tour_dashboard",
            groups="sales_team.group_sale_manager,"
            "sales_internal_control.group_control_manager",
        )
        cls._rule(amount_min=1000.0)

    def _open_dashboard(self, tour):
        order = self._order(price=1500.0)
        order.sudo().name = "SIC-DASH-A"
        order.action_confirm()
        self.assertEqual(order.approval_state, "pending")
        self.start_tour("/odoo", tour, login=self.viewer.login)


@tagged("post_install", "-at_install", "ic_browser")
class TestDashboardTour(DashboardTourMixin, HttpCase, ApprovalCase):
    def test_dashboard_on_desktop(self):
        self._open_dashboard("sales_internal_control_dashboard")


@tagged("post_install", "-at_install", "ic_browser")
class TestDashboardTourMobile(
    DashboardTourMixin, PhoneLayoutMixin, HttpCase, ApprovalCase
):
    def test_dashboard_on_a_phone(self):
        self._open_dashboard("sales_internal_control_dashboard_mobile")
