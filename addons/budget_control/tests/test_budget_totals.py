from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import BudgetCommon


@tagged("post_install", "-at_install")
class TestBudgetTotals(BudgetCommon):
    """The budget check reads each budget's figures from control_budget_total,
    which the database keeps equal to the definition (control.budget.
    _consumption_sql) whatever writes the lines."""

    def _trust(self):
        """As on a live database: the budgets' rows were written by a
        transaction long finished, and no transaction that could not see
        them runs any more. (In a test everything is one transaction, which
        never stores the figures of rows it wrote itself.)"""
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE control_budget_total "
            "SET bounds_xid = '3', trusted_after = '2000-01-01'"
        )

    def _stored(self, budget):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT actual, committed FROM control_budget_total WHERE budget_id = %s",
            [budget.id],
        )
        actual, committed = self.env.cr.fetchone()
        if actual is None:
            return None
        return round(float(actual), 2), round(float(committed), 2)

    def _trusted_after(self, budget):
        self.env.cr.execute(
            "SELECT trusted_after FROM control_budget_total WHERE budget_id = %s",
            [budget.id],
        )
        return self.env.cr.fetchone()[0]

    def assertExact(self, *expected):
        """The stored figures of each (budget, actual, committed) are known
        and equal the definition's, as are those of every budget."""
        for budget, actual, committed in expected:
            self.assertEqual(self._stored(budget), (actual, committed), budget.name)
            self.assertFigures(budget, actual, committed)
        self.assertEqual(self.env["control.budget"]._budget_total_drift(), {})

    def test_the_check_stores_then_follows_the_figures(self):
        self._trust()
        self.assertIsNone(self._stored(self.budget_a))
        po = self._po(100.0)
        po.button_confirm()
        # Measured once by the check, then moved by the order's own lines;
        # the other budget is measured by its first check.
        self.assertExact((self.budget_a, 0.0, 100.0))
        self.assertIsNone(self._stored(self.budget_b))
        other = self._po(200.0)
        other.button_confirm()
        self.assertExact((self.budget_a, 0.0, 300.0))
        # Half billed: the billed half moves from committed to actual.
        bill = self._bill_from_po(po, qty=0.5)
        bill.action_post()
        self.assertExact((self.budget_a, 50.0, 250.0))
        # Refunded: the quantity is committed again, the actual goes down.
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=bill.ids)
            .create({"journal_id": bill.journal_id.id, "date": bill.date})
        )
        refund = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        refund.action_post()
        self.assertExact((self.budget_a, 0.0, 300.0))
        # A confirmed line raised, then split over two accounts.
        po.order_line.product_qty = 3  # 100 a unit
        self.assertExact((self.budget_a, 0.0, 500.0))
        po.order_line.analytic_distribution = {
            str(self.account_a.id): 60,
            str(self.account_b.id): 40,
        }
        self.assertExact((self.budget_a, 0.0, 380.0), (self.budget_b, 0.0, 120.0))
        self.assertIsNotNone(self._stored(self.budget_b))
        # Across two plans, one key naming both accounts.
        po.order_line.analytic_distribution = {
            f"{self.account_a.id},{self.account_b.id}": 100
        }
        self.assertExact((self.budget_a, 0.0, 500.0), (self.budget_b, 0.0, 300.0))
        # A cancelled order (no check) commits nothing any more.
        other.button_cancel()
        self.assertExact((self.budget_a, 0.0, 300.0), (self.budget_b, 0.0, 300.0))
        # A miscellaneous entry posted on the account, then reset to draft.
        entry = self.env["account.move"].create(
            {
                "move_type": "entry",
                "line_ids": [
                    Command.create(
                        {
                            "account_id": self.company_data[
                                "default_account_expense"
                            ].id,
                            "debit": 70.0,
                            "analytic_distribution": {str(self.account_a.id): 100},
                        }
                    ),
                    Command.create(
                        {
                            "account_id": self.company_data[
                                "default_account_revenue"
                            ].id,
                            "credit": 70.0,
                        }
                    ),
                ],
            }
        )
        entry.action_post()
        self.assertExact((self.budget_a, 70.0, 300.0))
        entry.button_draft()
        self.assertExact((self.budget_a, 0.0, 300.0))
        entry.unlink()
        self.assertExact((self.budget_a, 0.0, 300.0))
        # A bill line of the order deleted, then the cancelled order.
        draft = self._bill_from_po(po)
        self.assertExact((self.budget_a, 0.0, 300.0))
        draft.invoice_line_ids.filtered("purchase_line_id").unlink()
        other.unlink()
        self.assertExact((self.budget_a, 0.0, 300.0))

    def test_the_check_blocks_on_the_stored_figure(self):
        """The check reads the stored figure, not the history: a stored
        figure of 950 on a budget of 1,000 makes an order of 100 red."""
        self._trust()
        self._po(10.0).button_confirm()
        self.assertEqual(self._stored(self.budget_a), (0.0, 10.0))
        self.env.cr.execute(
            "UPDATE control_budget_total SET committed = 950 WHERE budget_id = %s",
            [self.budget_a.id],
        )
        po = self._po(100.0)
        with self.assertRaisesRegex(UserError, "Marketing budget"):
            po.button_confirm()
        self.assertEqual(po.state, "draft")
        self.assertEqual(
            self.env["control.budget"]._budget_total_drift(),
            {self.budget_a.id: ((0.0, 950.0), (0.0, 10.0))},
        )
        # The daily verification logs the difference and forgets the figures:
        # the next check measures them again, and the order passes.
        Budget = self.env["control.budget"]
        self.assertEqual(Budget._cron_verify_totals(), 1)
        log = self._logs("budget_totals", self.budget_a)
        self.assertEqual(len(log), 1)
        self.assertIn("Marketing budget", log.message)
        self.assertIn("950.00", log.message)
        self.assertAlmostEqual(log.amount, -940.0)
        self.assertIsNone(self._stored(self.budget_a))
        self.env.cr.execute(
            "DELETE FROM control_budget_total WHERE budget_id = %s",
            [self.budget_b.id],
        )
        self.assertEqual(Budget._cron_verify_totals(), 0)
        self.assertIsNone(self._stored(self.budget_b))  # its row is back
        po.button_confirm()
        self.assertEqual(po.state, "purchase")
        self._trust()
        self._po(10.0).button_confirm()
        self.assertExact((self.budget_a, 0.0, 120.0))

    def test_a_new_period_is_measured_again(self):
        """A new time zone of the company moves the budgets' UTC bounds: the
        figures are forgotten, and the transaction that wrote the bounds
        measures them at each check without storing them (a transaction
        that started before could not see the new bounds)."""
        self._trust()
        self._po(100.0).button_confirm()
        self.assertEqual(self._stored(self.budget_a), (0.0, 100.0))
        self.company.partner_id.tz = "Asia/Shanghai"
        self.assertIsNone(self._stored(self.budget_a))
        self._po(100.0).button_confirm()
        self.assertIsNone(self._stored(self.budget_a))
        self.assertFigures(self.budget_a, 0.0, 200.0)
        # A new budget is measured the same way, and blocked all the same.
        budget = self._budget("Second marketing budget", self.account_a, 250.0)
        self.assertIsNone(self._stored(budget))
        with self.assertRaisesRegex(UserError, "Second marketing budget"):
            self._po(100.0).button_confirm()
        self._trust()
        self._po(10.0).button_confirm()
        self.assertExact((self.budget_a, 0.0, 210.0), (budget, 0.0, 210.0))

    def test_other_companies_lines_do_not_count(self):
        other = self.setup_other_company()["company"]
        budget = self._budget("Other company's budget", self.account_a, 500.0, other)
        self._trust()
        self._po(10.0).button_confirm()
        self._po(300.0, company=other).with_company(other).button_confirm()
        self.assertExact((self.budget_a, 0.0, 10.0), (budget, 0.0, 300.0))

    def test_a_transaction_blind_to_the_row_delays_the_storing(self):
        """The figures are stored only once no transaction runs whose
        snapshot predates the row's bounds (it could not see them, and would
        not move the row), and by a transaction started after that moment."""
        self._po(10.0).button_confirm()
        with self.registry.cursor() as other:
            # Another transaction with its snapshot, taken before the bounds
            # were written (as far as the row says).
            other.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())::text")
            (xmax,) = other.fetchone()
            self.env.cr.execute(
                "UPDATE control_budget_total "
                "SET bounds_xid = %s::xid8, trusted_after = NULL",
                [xmax],
            )
            self._po(10.0).button_confirm()
            self.assertIsNone(self._trusted_after(self.budget_a))
            self.assertIsNone(self._stored(self.budget_a))
            other.rollback()
        # It ended: the next check marks the moment, a later one stores.
        self._po(10.0).button_confirm()
        self.assertIsNotNone(self._trusted_after(self.budget_a))
        self.assertIsNone(self._stored(self.budget_a))
        self.assertFigures(self.budget_a, 0.0, 30.0)
