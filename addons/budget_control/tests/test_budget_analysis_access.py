from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tests.common import TransactionCase


@tagged("post_install", "-at_install")
class TestBudgetAnalysisAccess(TransactionCase):
    """Analysis rows show only budgets of the user's companies, and only to them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Budget Analysis B"})
        plan = cls.env["account.analytic.plan"].create({"name": "Analysis Plan"})
        account = cls.env["account.analytic.account"].create(
            {"name": "Shared Center", "plan_id": plan.id, "company_id": False}
        )
        today = fields.Date.today()
        cls.budget_a, cls.budget_b = cls.env["control.budget"].create(
            [
                {
                    "name": f"Secret budget {company.name}",
                    "analytic_account_id": account.id,
                    "date_from": today.replace(month=1, day=1),
                    "date_to": today.replace(month=12, day=31),
                    "amount": amount,
                    "company_id": company.id,
                }
                for company, amount in ((cls.company_a, 1000.0), (cls.company_b, 50.0))
            ]
        )
        cls.user_a, cls.user_b = (
            new_test_user(
                cls.env,
                login=login,
                groups="sales_internal_control.group_control_user",
                company_id=company.id,
                company_ids=[Command.set(company.ids)],
            )
            for login, company in (
                ("budget_analysis_a", cls.company_a),
                ("budget_analysis_b", cls.company_b),
            )
        )
        cls.action = cls.env.ref("budget_control.control_budget_analysis_action_server")

    def _row(self, user, budget, **values):
        return (
            self.env["control.budget.analysis"]
            .with_user(user)
            .create(
                dict(
                    {
                        "budget_id": budget.id,
                        "kind": "planned",
                        "amount": 1.0,
                        "company_id": user.company_id.id,
                    },
                    **values,
                )
            )
        )

    def test_no_row_of_another_company_budget(self):
        with self.assertRaises(AccessError):
            self._row(self.user_b, self.budget_a)
        # Nor with the budget's own company on the row.
        with self.assertRaises(AccessError):
            self._row(self.user_b, self.budget_a, company_id=self.company_a.id)

    def test_row_takes_the_budget_company(self):
        row = self._row(self.user_a, self.budget_a, company_id=self.company_b.id)
        self.assertEqual(row.company_id, self.company_a)
        self.assertEqual(
            row.with_user(self.user_a).alert_level, self.budget_a.alert_level
        )
        # The row (and the budget's name and level) stay hidden from company B.
        self.assertFalse(
            self.env["control.budget.analysis"]
            .with_user(self.user_b)
            .search([("id", "=", row.id)])
        )
        with self.assertRaises(AccessError):
            row.with_user(self.user_b).read(["budget_id", "alert_level"])

    def test_menu_lists_the_user_s_companies_only(self):
        for user, budget in (
            (self.user_a, self.budget_a),
            (self.user_b, self.budget_b),
        ):
            result = self.action.with_user(user).run()
            rows = (
                self.env["control.budget.analysis"]
                .with_user(user)
                .search(result["domain"])
            )
            self.assertEqual(rows.budget_id & (self.budget_a | self.budget_b), budget)
            self.assertEqual(rows.company_id, user.company_id)
            rows = rows.filtered(lambda row, budget=budget: row.budget_id == budget)
            self.assertEqual(
                {row.kind: row.amount for row in rows},
                {"planned": budget.amount, "actual": 0.0, "committed": 0.0},
            )
