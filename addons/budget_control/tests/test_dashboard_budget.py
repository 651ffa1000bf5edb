from odoo.tests import tagged

from .common import BudgetCommon


@tagged("post_install", "-at_install")
class TestDashboardBudget(BudgetCommon):
    """The dashboard's budget section: every confirmed budget of the period
    with the budget's own consumption and level."""

    def test_budgets_with_level_and_progress(self):
        self._po(950.0).button_confirm()  # 95 %: orange at 90, red at 100
        data = self.env["control.dashboard"].with_user(self.budget_manager).get_data()
        section = next(s for s in data["sections"] if s["key"] == "budgets")
        items = {item["id"]: item for item in section["items"]}
        item = items[self.budget_a.id]
        self.assertEqual(item["level"], self.budget_a.alert_level)
        self.assertEqual(item["level"], "orange")
        self.assertEqual(item["pct"], 95.0)
        self.assertEqual(item["action"]["res_id"], self.budget_a.id)
        self.assertEqual(items[self.budget_b.id]["level"], "green")
        tiles = {tile["key"]: tile for tile in section["tiles"]}
        self.assertIn(
            self.budget_a.id, tiles["budgets_orange"]["action"]["domain"][0][2]
        )
        # A draft budget, or one outside the period, is not shown.
        self.budget_b.sudo().state = "draft"
        data = (
            self.env["control.dashboard"]
            .with_user(self.budget_manager)
            .get_data({"date_from": "2000-01-01", "date_to": "2000-12-31"})
        )
        section = next(s for s in data["sections"] if s["key"] == "budgets")
        self.assertFalse(
            {self.budget_a.id, self.budget_b.id} & {i["id"] for i in section["items"]}
        )
