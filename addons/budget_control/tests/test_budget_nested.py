from datetime import date, datetime

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import BudgetCommon


@tagged("post_install", "-at_install")
class TestBudgetNested(BudgetCommon):
    """A year and its quarters or months on one account: all are checked."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["control.approval.rule"].sudo().search([]).active = False
        cls.year = cls.date_from.year

    def _po_on(self, amount, day, account=None):
        po = self._po(amount, distribution={str((account or self.account_a).id): 100})
        po.date_order = datetime.combine(day, datetime.min.time()).replace(hour=12)
        return po

    def test_split_into_quarters(self):
        # By a budget manager without an e-mail address.
        self.budget_manager.partner_id.email = False
        action = self.budget_a.with_user(self.budget_manager).action_split("quarter")
        children = self.env["control.budget"].browse(action["domain"][0][2])
        self.assertEqual(children, self.budget_a.child_ids)
        self.assertEqual(len(children), 4)
        self.assertEqual(set(children.mapped("state")), {"draft"})
        self.assertEqual(children.mapped("analytic_account_id"), self.account_a)
        self.assertAlmostEqual(sum(children.mapped("amount")), 1000.0)
        children = children.sorted("date_from")
        self.assertEqual(children[0].date_from, date(self.year, 1, 1))
        self.assertEqual(children[0].date_to, date(self.year, 3, 31))
        self.assertEqual(children[3].date_to, date(self.year, 12, 31))
        self.assertIn(f"Q2 {self.year}", children[1].name)
        children.action_confirm()  # nested in the year: allowed
        self.assertEqual(set(children.mapped("state")), {"confirmed"})
        with self.assertRaises(UserError):
            self.budget_a.action_split("quarter")

    def test_split_into_months_and_bad_input(self):
        budget = self._budget("Research H2", self.account_b, 600.0)
        budget.sudo().write({"state": "draft"})
        budget.write(
            {
                "date_from": date(self.year, 7, 15),
                "date_to": date(self.year, 12, 31),
            }
        )
        children = self.env["control.budget"].browse(
            budget.action_split_months()["domain"][0][2]
        )
        self.assertEqual(len(children), 6)
        first = children.sorted("date_from")[0]
        self.assertEqual(
            (first.date_from, first.date_to),
            (date(self.year, 7, 15), date(self.year, 7, 31)),
        )
        # Shared by days: 17 of the period's 170 days.
        self.assertAlmostEqual(first.amount, 60.0)
        self.assertAlmostEqual(sum(children.mapped("amount")), 600.0)
        with self.assertRaises(UserError):
            self.budget_b.action_split("week")
        month = self._budget("One month", self.account_b, 10.0, confirm=False)
        month.write(
            {"date_from": date(self.year, 2, 1), "date_to": date(self.year, 2, 28)}
        )
        with self.assertRaises(UserError):
            month.action_split("month")
        self.budget_b.action_done()
        with self.assertRaises(UserError):
            self.budget_b.action_split("quarter")
        with self.assertRaises(ValidationError):
            first.write({"date_to": date(self.year + 1, 1, 31)})

    def test_partial_overlap_of_a_split_child_refused(self):
        children = (
            self.env["control.budget"]
            .browse(self.budget_a.action_split_quarters()["domain"][0][2])
            .sorted("date_from")
        )
        children.action_confirm()
        wide = self._budget("Feb-Apr", self.account_a, 100.0, confirm=False)
        wide.write(
            {"date_from": date(self.year, 2, 1), "date_to": date(self.year, 4, 30)}
        )
        with self.assertRaises(ValidationError):
            wide.action_confirm()
        self.assertEqual(wide.state, "draft")

    def test_document_consumes_each_nested_budget_and_the_tightest_decides(self):
        children = (
            self.env["control.budget"]
            .browse(self.budget_a.action_split_quarters()["domain"][0][2])
            .sorted("date_from")
        )
        children.action_confirm()
        q1, q2 = children[0], children[1]
        self._po_on(200.0, date(self.year, 2, 10)).button_confirm()
        self.assertFigures(self.budget_a, 0.0, 200.0)
        self.assertFigures(q1, 0.0, 200.0)
        self.assertFigures(q2, 0.0, 0.0)
        # Q1 (about 246.58) reaches red long before the year does.
        po = self._po_on(100.0, date(self.year, 3, 1))
        with self.assertRaisesRegex(UserError, q1.name) as error:
            po.button_confirm()
        self.assertNotIn(f"budget {self.budget_a.name}:", str(error.exception))
        self.assertEqual(po.state, "draft")
        # The same amount in Q2 passes.
        po.date_order = datetime(self.year, 5, 1, 12)
        po.button_confirm()
        self.assertEqual(po.state, "purchase")
        self.assertFigures(self.budget_a, 0.0, 300.0)
        self.assertFigures(q2, 0.0, 100.0)

    def test_check_queries_do_not_grow_with_nested_budgets(self):
        self.budget_a.sudo().amount = 1e9
        day = date(self.year, 6, 15)
        self._po_on(10.0, day).button_confirm()  # warm-up

        def confirm_queries():
            po = self._po_on(10.0, day)
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            po.button_confirm()
            self.env.flush_all()
            self.assertEqual(po.state, "purchase")
            return self.env.cr.sql_log_count - before

        confirm_queries()  # warm-up of the caches the first order filled
        alone = confirm_queries()
        months = self.env["control.budget"].browse(
            self.budget_a.sudo().action_split_months()["domain"][0][2]
        )
        months.action_confirm()
        confirm_queries()  # warm-up with the months
        nested = confirm_queries()
        self.assertEqual(alone, nested)
