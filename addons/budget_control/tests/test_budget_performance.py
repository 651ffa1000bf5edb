from odoo import Command
from odoo.tests import tagged

from ..models.control_budget_total import LOCK_FUNCTION
from .common import BudgetCommon


@tagged("post_install", "-at_install")
class TestBudgetPerformance(BudgetCommon):
    """The check of a purchase order costs the same few queries whatever the
    number of confirmed purchase lines, and the stored commitments equal the
    batch computation that fills them at install."""

    def _confirm_queries(self, po):
        self.env.flush_all()
        # What the request that created the order ran at its commit.
        self.env.cr.precommit.run()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        po.button_confirm()
        self.env.flush_all()
        self.assertEqual(po.state, "purchase")
        return self.cr.sql_log_count - before

    def test_confirmation_queries_flat(self):
        account = self.env["account.analytic.account"].create(
            {"name": "No budget", "plan_id": self.plan.id, "company_id": False}
        )
        no_budget = {str(account.id): 100}
        counts = []
        # A first round warms the caches up (and adds the vendor to the
        # product); then 1 and 40 earlier confirmed orders.
        for earlier in (1, 1, 40):
            orders = self.env["purchase.order"].concat(
                *(self._po(1.0) for _i in range(earlier))
            )
            orders.button_confirm()
            po = self._po(1.0)
            po.order_line.analytic_distribution = False
            plain = self._confirm_queries(po)
            unbudgeted = self._confirm_queries(self._po(1.0, no_budget))
            budgeted = self._confirm_queries(self._po(1.0))
            counts.append((plain, unbudgeted, budgeted))
        self.assertEqual(counts[1], counts[2], "the same with 1 and 40 earlier orders")
        plain, unbudgeted, budgeted = counts[1]
        # No budget on the account: the statement that finds (and locks)
        # the budgets. A budget: the same statement also measures it, and
        # the savepoint that undoes a blocked confirmation.
        self.assertEqual(unbudgeted - plain, 1)
        self.assertEqual(budgeted - plain, 3)
        self.assertFigures(self.budget_a, 0.0, 1.0 * (1 + 1 + 1 + 1 + 40 + 1))

    def test_check_function_plans_once(self):
        """The check's function runs with generic plans: with PostgreSQL's
        default it planned its statements again at every call."""
        self.env.cr.execute(
            "SELECT proconfig FROM pg_proc WHERE proname = %s", [LOCK_FUNCTION]
        )
        self.assertEqual(
            self.env.cr.fetchall(), [(["plan_cache_mode=force_generic_plan"],)]
        )

    def test_install_computation_matches_the_lines(self):
        """Partial billing in another unit, a refund, a foreign currency, a
        draft order and a note line: the statement that fills the stored
        amounts at install gives what the lines compute."""
        dozen = self.env.ref("uom.product_uom_dozen")
        po = self._po(120.0, qty=2)
        po.order_line.product_uom = dozen
        po.order_line = [
            Command.create(
                {"display_type": "line_note", "name": "Note", "product_qty": 0}
            )
        ]
        po.button_confirm()
        bill = self._bill_from_po(po)
        bill_line = bill.invoice_line_ids.filtered("purchase_line_id")
        bill_line.write(
            {
                "product_uom_id": self.env.ref("uom.product_uom_unit").id,
                "quantity": 6,
                "price_unit": 5.0,
            }
        )
        bill.action_post()
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=bill.ids)
            .create({"journal_id": bill.journal_id.id, "date": bill.date})
        )
        refund = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        refund.invoice_line_ids.filtered("purchase_line_id").quantity = 3
        refund.action_post()
        foreign = self._po(30.0, currency=self.setup_other_currency("EUR"))
        foreign.button_confirm()
        draft = self._po(50.0, {str(self.account_a.id): 50, str(self.account_b.id): 50})
        lines = po.order_line | foreign.order_line | draft.order_line
        # 2 dozen at 60, 6 units billed, 3 refunded: 1.75 dozen unbilled.
        self.assertAlmostEqual(
            po.order_line.filtered("product_id").budget_committed_amount, 105.0
        )
        self.assertFalse(draft.order_line.budget_committed_amount)
        self.env.flush_all()
        expected = {
            line.id: (
                line.budget_committed_amount,
                line.budget_date,
                line.budget_analytic_id,
            )
            for line in lines
        }
        self.env.cr.execute(
            "UPDATE purchase_order_line SET budget_committed_amount = NULL, "
            "budget_date = NULL, budget_analytic_id = NULL WHERE id IN %s",
            [tuple(lines.ids)],
        )
        self.env["purchase.order.line"]._budget_init_committed_amounts()
        self.env.invalidate_all()
        for line in lines:
            amount, date, account_id = expected[line.id]
            self.assertAlmostEqual(line.budget_committed_amount, amount, places=6)
            self.assertEqual(line.budget_date, date)
            self.assertEqual(line.budget_analytic_id, account_id)
        self.assertEqual(
            lines.mapped("budget_analytic_id"),
            [self.account_a.id, 0, self.account_a.id, 0],
        )
        self.assertFigures(
            self.budget_a,
            30.0 - 15.0,
            105.0 + foreign.order_line.budget_committed_amount,
        )
