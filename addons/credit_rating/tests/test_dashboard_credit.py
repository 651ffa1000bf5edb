from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tests.common import new_test_user

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestDashboardCredit(CreditCommon):
    """The dashboard's credit section gives the credit check's own figures."""

    def _section(self, user):
        data = self.env["control.dashboard"].with_user(user).get_data()
        sections = {section["key"]: section for section in data["sections"]}
        return sections.get("credit")

    def test_credit_figures(self):
        today = fields.Date.today()
        self._order(amount=550.0).with_user(self.controller).action_confirm()
        self._invoice(self.customer, 400.0, today - timedelta(days=100))
        section = self._section(self.controller)
        tiles = {tile["key"]: tile for tile in section["tiles"]}
        near = tiles["credit_near_limit"]
        self.assertIn(self.customer.id, near["action"]["domain"][0][2])
        # 950 of a 1,000 limit: over 90 %; the tile's list holds the customer.
        self.assertEqual(self.customer.sudo().credit_exposure, 950.0)
        self.customer.sudo().credit_limit = 2000.0
        section = self._section(self.controller)
        tiles = {tile["key"]: tile for tile in section["tiles"]}
        self.assertNotIn(
            self.customer.id, tiles["credit_near_limit"]["action"]["domain"][0][2]
        )
        charts = {chart["key"]: chart for chart in section["charts"]}
        aging = charts["receivables_aging"]
        self.assertGreaterEqual(aging["values"][-1], 400.0)  # 90+ days
        self.assertGreaterEqual(tiles["receivables_overdue"]["value"], 400.0)

    def test_other_company_sees_its_own_figures(self):
        """A controller of another company reads that company's exposure
        and aging only, whatever this company's customers owe."""
        today = fields.Date.today()
        self._order(amount=550.0).with_user(self.controller).action_confirm()
        self._invoice(self.customer, 400.0, today - timedelta(days=100))
        company_b = self.env["res.company"].create({"name": "Dashboard Co B"})
        controller_b = new_test_user(
            self.env,
            login="dash_controller_b",
            groups="sales_team.group_sale_manager,"
            "credit_rating.group_credit_controller",
            company_id=company_b.id,
            company_ids=[(6, 0, company_b.ids)],
        )
        section = self._section(controller_b)
        tiles = {tile["key"]: tile for tile in section["tiles"]}
        self.assertEqual(tiles["credit_exposure"]["value"], 0.0)
        self.assertEqual(tiles["receivables_overdue"]["value"], 0.0)
        self.assertEqual(tiles["credit_near_limit"]["value"], 0)
        charts = {chart["key"]: chart for chart in section["charts"]}
        self.assertEqual(sum(charts["receivables_aging"]["values"]), 0.0)
        # This company's controller sees them.
        tiles = {t["key"]: t for t in self._section(self.controller)["tiles"]}
        self.assertGreaterEqual(tiles["credit_exposure"]["value"], 950.0)

    def test_salesman_has_no_credit_section(self):
        self.assertIsNone(self._section(self.salesman))
