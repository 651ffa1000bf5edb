import json

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import BudgetCommon

NAN = float("nan")
INF = float("inf")


@tagged("post_install", "-at_install")
class TestBudgetHardening(BudgetCommon):
    """Side doors around the budget control (issue 18, items 8, 9, 10, 22)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plan_2 = cls.env["account.analytic.plan"].create(
            {"name": "Budget Test Projects"}
        )
        cls.project = cls.env["account.analytic.account"].create(
            {"name": "Project X", "plan_id": cls.plan_2.id, "company_id": False}
        )

    # Helpers

    def _set_distribution_sql(self, lines, distribution):
        """Store a distribution as a script writing the table would."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE %s SET analytic_distribution = %s WHERE id IN %s",
                SQL.identifier(lines._table),
                json.dumps(distribution),
                tuple(lines.ids),
            )
        )
        self.env.invalidate_all()

    def _line_vals(self, amount, distribution, model="purchase.order"):
        vals = {
            "product_id": self.product.id,
            "price_unit": amount,
            "analytic_distribution": distribution,
        }
        if model == "purchase.order":
            vals.update(product_qty=1, taxes_id=[Command.clear()])
        else:
            vals.update(quantity=1, tax_ids=[Command.clear()])
        return vals

    # 8. Negative (and non-finite) distribution percentages

    def test_negative_percentage_on_purchase_line_refused(self):
        Order = self.env["purchase.order"].with_user(self.purchase_user)
        account = str(self.account_a.id)
        for bad, shown in (
            (-100, "-100"),
            (NAN, "nan"),
            (INF, "inf"),
            (-INF, "-inf"),
            ("50", "'50'"),
            (None, "None"),
        ):
            with self.assertRaises(ValidationError) as cm:
                Order.create(
                    {
                        "partner_id": self.vendor.id,
                        "order_line": [
                            Command.create(self._line_vals(1000.0, {account: bad}))
                        ],
                    }
                )
            message = str(cm.exception)
            self.assertIn("Consulting day", message)
            self.assertIn("Marketing", message)
            self.assertIn(f"percentage {shown} ", message)
            self.assertIn("0 or more", message)
        self.assertFalse(Order.search([("partner_id", "=", self.vendor.id)]))
        # On an existing line (confirmed or not): refused, nothing changed.
        po = self._po(500.0)
        po.with_user(self.purchase_user).button_confirm()
        line = po.order_line.with_user(self.purchase_user)
        for bad in (-100, NAN, INF):
            with self.assertRaises(ValidationError) as cm:
                line.analytic_distribution = {account: bad}
            self.assertIn(po.name, str(cm.exception))
        with self.assertRaises(ValidationError):
            line.analytic_distribution = {account: 150, str(self.account_b.id): -50}
        self.assertEqual(po.order_line.analytic_distribution, {account: 100})
        self.assertFigures(self.budget_a, 0.0, 500.0)
        self.assertFigures(self.budget_b, 0.0, 0.0)

    def test_negative_percentage_on_bill_line_refused(self):
        Move = self.env["account.move"].with_user(self.purchase_user)
        account = str(self.account_a.id)
        for bad in (-100, NAN, INF):
            with self.assertRaises(ValidationError) as cm:
                Move.create(
                    {
                        "move_type": "in_invoice",
                        "partner_id": self.vendor.id,
                        "invoice_date": fields.Date.today(),
                        "invoice_line_ids": [
                            Command.create(
                                self._line_vals(500.0, {account: bad}, "account.move")
                            )
                        ],
                    }
                )
            self.assertIn("Consulting day", str(cm.exception))
            self.assertIn("0 or more", str(cm.exception))
        bill = self._bill(500.0)
        bill.with_user(self.purchase_user).action_post()
        line = bill.invoice_line_ids.with_user(self.purchase_user)
        with self.assertRaises(ValidationError) as cm:
            line.analytic_distribution = {account: -100}
        self.assertIn(bill.name, str(cm.exception))
        self.assertIn("-100", str(cm.exception))
        self.assertEqual(line.analytic_distribution, {account: 100})
        self.assertFigures(self.budget_a, 500.0, 0.0)

    def test_negative_share_never_frees_budget(self):
        """A negative share stored behind the ORM's back counts as nothing."""
        account = str(self.account_a.id)
        negative = self._po(1000.0)
        self._set_distribution_sql(negative.order_line, {account: -100})
        negative.with_user(self.purchase_user).button_confirm()
        self.assertFigures(self.budget_a, 0.0, 0.0)
        bill = self._bill(1000.0)
        self._set_distribution_sql(bill.invoice_line_ids, {account: -100})
        bill.with_user(self.purchase_user).action_post()
        self.assertEqual(bill.state, "posted")
        self.assertFigures(self.budget_a, 0.0, 0.0)
        po = self._po(1500.0)
        with self.assertRaisesRegex(UserError, "blocked by budget"):
            po.with_user(self.purchase_user).button_confirm()
        self.assertEqual(po.state, "draft")
        self.assertFigures(self.budget_a, 0.0, 0.0)

    # 9. Actuals come from the posted journal items

    def test_actuals_ignore_edited_or_deleted_analytic_lines(self):
        bill = self._bill(900.0)
        bill.with_user(self.purchase_user).action_post()
        self.assertFigures(self.budget_a, 900.0, 0.0)
        analytic_lines = bill.line_ids.analytic_line_ids.with_user(self.purchase_user)
        self.assertTrue(analytic_lines)
        analytic_lines.write({"amount": 0.0})
        self.assertFigures(self.budget_a, 900.0, 0.0)
        analytic_lines.unlink()
        self.assertFigures(self.budget_a, 900.0, 0.0)
        # The next bill is measured against the real actuals.
        other = self._bill(200.0)
        with self.assertRaisesRegex(UserError, "blocked by budget"):
            other.with_user(self.purchase_user).action_post()
        self.assertEqual(other.state, "draft")
        self.assertFigures(self.budget_a, 900.0, 0.0)

    def test_actuals_by_distribution_of_multi_plan_keys(self):
        distribution = {
            f"{self.account_a.id},{self.project.id}": 60,
            f"{self.account_b.id},{self.project.id}": 40,
        }
        bill = self._bill(500.0, distribution=distribution)
        bill.action_post()
        self.assertFigures(self.budget_a, 300.0, 0.0)
        self.assertFigures(self.budget_b, 200.0, 0.0)
        # Moved by Odoo's own recomputation: the actuals follow.
        bill.invoice_line_ids.analytic_distribution = {str(self.account_b.id): 100}
        self.assertFigures(self.budget_a, 0.0, 0.0)
        self.assertFigures(self.budget_b, 500.0, 0.0)
        bill.button_draft()
        self.assertFigures(self.budget_b, 0.0, 0.0)

    def test_sales_receipt_does_not_free_budget(self):
        self._bill(900.0).action_post()
        receipt = self._bill(400.0, move_type="out_receipt")
        receipt.action_post()
        self.assertEqual(receipt.state, "posted")
        self.assertFigures(self.budget_a, 900.0, 0.0)

    # 10. Overlapping confirmed budgets of one analytic account

    def _period_budget(self, name, start_month, end_month, end_day, account=None):
        budget = (
            self.env["control.budget"]
            .with_user(self.budget_manager)
            .create(
                {
                    "name": name,
                    "analytic_account_id": (account or self.account_a).id,
                    "date_from": self.date_from.replace(month=start_month),
                    "date_to": self.date_to.replace(month=end_month, day=end_day),
                    "amount": 500.0,
                    "user_id": self.owner.id,
                }
            )
        )
        return budget

    def test_overlapping_budgets_refused_nested_allowed(self):
        first_half = self._period_budget("H1", 1, 6, 30)
        first_half.action_confirm()  # inside the year: nested, allowed
        quarter = self._period_budget("Q2", 4, 6, 30)
        quarter.action_confirm()  # inside H1 and the year
        later = self._period_budget("April to December", 4, 12, 31)
        with self.assertRaises(ValidationError) as cm:
            later.action_confirm()
        message = str(cm.exception)
        self.assertIn("April to December", message)
        self.assertIn("H1", message)
        self.assertIn(str(later.date_from), message)
        self.assertIn(str(first_half.date_to), message)
        self.assertEqual(later.state, "draft")
        # A draft budget may overlap; one on another account too.
        self._period_budget("Research Apr-Dec", 4, 12, 31, self.account_b)
        self._period_budget(
            "Research Apr-Dec", 4, 12, 31, self.account_b
        ).action_confirm()
        # Moving a confirmed budget's dates into an overlap is refused too.
        second_half = self._period_budget("H2", 7, 12, 31)
        second_half.action_confirm()
        with self.assertRaises(ValidationError) as cm:
            second_half.date_from = self.date_from.replace(month=5)
        self.assertIn("H1", str(cm.exception))
        self.assertEqual(second_half.date_from, self.date_from.replace(month=7))
        # A document dated in Q2 consumes the year, H1 and Q2.
        self._po(100.0).button_confirm()
        for budget in (self.budget_a, first_half, quarter, second_half):
            budget.invalidate_recordset()
        self.assertAlmostEqual(self.budget_a.committed_amount, 100.0)
        today = fields.Date.today()
        for budget in (first_half, quarter, second_half):
            inside = budget.date_from <= today <= budget.date_to
            self.assertAlmostEqual(budget.committed_amount, 100.0 if inside else 0.0)

    def test_overlapping_budget_of_another_company_allowed(self):
        company_2 = self.setup_other_company()["company"]
        budget = self.env["control.budget"].create(
            {
                "name": "Other company Apr-Dec",
                "analytic_account_id": self.account_a.id,
                "date_from": self.date_from.replace(month=4),
                "date_to": self.date_to,
                "amount": 100.0,
                "company_id": company_2.id,
            }
        )
        self._period_budget("H1", 1, 6, 30).action_confirm()
        budget.action_confirm()
        self.assertEqual(budget.state, "confirmed")

    # 22. Money fields and arguments refuse non-finite numbers

    def test_budget_amount_must_be_finite_and_positive(self):
        Budget = self.env["control.budget"].with_user(self.budget_manager)
        for bad in (NAN, INF, -INF, -5.0, 0.0):
            with self.assertRaises(ValidationError) as cm:
                Budget.create(
                    {
                        "name": "Bad amount",
                        "analytic_account_id": self.account_b.id,
                        "date_from": self.date_from,
                        "date_to": self.date_to,
                        "amount": bad,
                    }
                )
            self.assertIn("Bad amount", str(cm.exception))
        draft = self._period_budget("Draft", 1, 3, 31)
        for bad in (NAN, INF):
            with self.assertRaises(ValidationError):
                draft.amount = bad
        self.assertEqual(draft.amount, 500.0)
        self.assertFalse(Budget.search([("name", "=", "Bad amount")]))

    def test_thresholds_must_be_finite_and_bounded(self):
        before = self.company.read(
            ["budget_yellow_pct", "budget_orange_pct", "budget_red_pct"]
        )
        for vals in (
            {"budget_red_pct": INF},
            {"budget_red_pct": NAN},
            {"budget_orange_pct": NAN},
            {"budget_yellow_pct": NAN},
            {"budget_yellow_pct": -INF},
            {"budget_red_pct": 1e9},
            {"budget_orange_pct": 2000, "budget_red_pct": 5000},
        ):
            with self.assertRaises(ValidationError) as cm:
                self.company.write(vals)
            self.assertIn(self.company.name, str(cm.exception))
        self.assertEqual(
            self.company.read(
                ["budget_yellow_pct", "budget_orange_pct", "budget_red_pct"]
            ),
            before,
        )
        # The bound itself is accepted: a red threshold may allow overspending.
        self.company.write({"budget_red_pct": 1000.0})
        self.assertEqual(self.company.budget_red_pct, 1000.0)

    def test_red_threshold_cannot_be_switched_off(self):
        with self.assertRaises(ValidationError):
            self.company.budget_red_pct = INF
        self._po(950.0).button_confirm()
        po = self._po(100.0)
        with self.assertRaisesRegex(UserError, "blocked by budget"):
            po.with_user(self.purchase_user).button_confirm()

    def test_release_amount_must_be_a_finite_number(self):
        self._po(950.0).button_confirm()
        po = self._po(100.0)
        manager_po = po.with_user(self.budget_manager)
        for bad in (NAN, INF, "100", "abc", True, [100]):
            with self.assertRaises(UserError) as cm:
                manager_po.action_budget_release("Urgent", amount=bad)
            self.assertIn(po.name, str(cm.exception))
        with self.assertRaises(UserError):
            manager_po.action_budget_release(42)
        # Through the wizard too.
        wizard = (
            self.env["control.budget.release"]
            .with_user(self.budget_manager)
            .create(
                {
                    "res_model": "purchase.order",
                    "res_id": po.id,
                    "reason": "Urgent",
                    "amount": INF,
                }
            )
        )
        with self.assertRaises(UserError):
            wizard.action_release()
        self.assertFalse(po.budget_release_amount)
        self.assertFalse(po.budget_release_reason)
        self.assertFalse(self._logs("override", po))
        with self.assertRaisesRegex(UserError, "blocked by budget"):
            po.with_user(self.purchase_user).button_confirm()
        # A finite amount still works.
        manager_po.action_budget_release("Urgent", amount=150)
        self.assertAlmostEqual(po.budget_release_amount, 150.0)
