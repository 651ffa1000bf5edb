from datetime import datetime, time, timedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import BudgetCommon
from .test_budget_report import BudgetReportCases


@tagged("post_install", "-at_install")
class TestBudget(BudgetReportCases, BudgetCommon):
    # Levels

    def test_levels_green_yellow_orange(self):
        po1 = self._po(700.0)
        po1.with_user(self.purchase_user).button_confirm()
        self.assertEqual(po1.state, "purchase")
        self.assertFigures(self.budget_a, 0.0, 700.0)
        self.assertEqual(self.budget_a.alert_level, "green")
        self.assertAlmostEqual(self.budget_a.consumed_pct, 70.0)
        self.assertFalse(self._logs("threshold", po1))

        po2 = self._po(100.0)
        po2.with_user(self.purchase_user).button_confirm()
        self.assertEqual(po2.state, "purchase")
        self.budget_a.invalidate_recordset()
        self.assertEqual(self.budget_a.alert_level, "yellow")
        self.assertEqual(self.budget_a.last_alert_level, "yellow")
        log = self._logs("threshold", po2)
        self.assertEqual(len(log), 1)
        self.assertIn("80.00%", log.message)
        activity = self.budget_a.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.owner)

        # Staying yellow: no new notification.
        po3 = self._po(50.0)
        po3.with_user(self.purchase_user).button_confirm()
        self.assertFalse(self._logs("threshold", po3))
        self.assertEqual(len(self.budget_a.activity_ids), 1)

        po4 = self._po(100.0)
        po4.with_user(self.purchase_user).button_confirm()
        self.budget_a.invalidate_recordset()
        self.assertEqual(self.budget_a.alert_level, "orange")
        self.assertEqual(len(self._logs("threshold", po4)), 1)
        self.assertEqual(len(self.budget_a.activity_ids), 2)

    def test_red_blocks_and_logs(self):
        self._po(950.0).button_confirm()
        po = self._po(100.0)
        try:
            po.with_user(self.purchase_user).button_confirm()
        except UserError as error:
            message = str(error)
        else:
            self.fail("The order should be blocked by the red budget")
        self.assertIn(po.name, message)
        self.assertIn("Marketing budget", message)
        self.assertIn("95.00%", message)
        self.assertIn("105.00%", message)
        self.assertIn("100.00%", message)
        self.assertEqual(po.state, "draft")
        self.assertFigures(self.budget_a, 0.0, 950.0)
        log = self._logs("blocked", po)
        self.assertEqual(len(log), 1)
        self.assertAlmostEqual(log.amount, 100.0)
        # A buyer cannot give the order a release himself.
        with self.assertRaises(AccessError):
            po.with_user(self.purchase_user).write({"budget_release_amount": 1e9})
        with self.assertRaises(AccessError):
            self._bill(10.0).with_user(self.purchase_user).write(
                {"budget_release_reason": "mine"}
            )
        # No context key (an XML-RPC client can send any) skips the check.
        with self.assertRaises(UserError):
            po.with_user(self.purchase_user).with_context(
                budget_skip_check=True
            ).button_confirm()
        self.assertEqual(po.state, "draft")

    def test_reaching_red_exactly_blocks(self):
        self._po(900.0).button_confirm()
        po = self._po(100.0)
        with self.assertRaises(UserError):
            po.button_confirm()
        self.assertEqual(po.state, "draft")

    def test_draft_and_done_budgets_do_not_block(self):
        self.budget_a.action_draft()
        po = self._po(2000.0)
        po.button_confirm()
        self.assertEqual(po.state, "purchase")
        self.assertEqual(self.budget_a.alert_level, "red")

    # Release

    def test_release_then_confirm(self):
        self._po(950.0).button_confirm()
        po = self._po(100.0)
        with self.assertRaises(AccessError):
            po.with_user(self.purchase_user).action_budget_release("please")
        with self.assertRaises(UserError):
            po.with_user(self.budget_manager).action_budget_release("  ")
        self.assertFalse(po.budget_release_amount)
        po.with_user(self.budget_manager).action_budget_release("Urgent repair")
        self.assertEqual(len(self._logs("override", po)), 1)
        po.with_user(self.purchase_user).button_confirm()
        self.assertEqual(po.state, "purchase")
        self.budget_a.invalidate_recordset()
        self.assertEqual(self.budget_a.alert_level, "red")
        # The release is used up.
        self.assertFalse(po.budget_release_amount)

    def test_release_void_when_amount_rises(self):
        self._po(950.0).button_confirm()
        po = self._po(100.0)
        po.with_user(self.budget_manager).action_budget_release("Urgent repair")
        po.order_line.price_unit = 150.0
        with self.assertRaises(UserError):
            po.with_user(self.purchase_user).button_confirm()
        self.assertEqual(po.state, "draft")

    def test_release_wizard(self):
        self._po(950.0).button_confirm()
        po = self._po(100.0)
        wizard = (
            self.env["control.budget.release"]
            .with_user(self.budget_manager)
            .create(
                {"res_model": "purchase.order", "res_id": po.id, "reason": "Approved"}
            )
        )
        wizard.action_release()
        self.assertAlmostEqual(po.budget_release_amount, 100.0)

    # Purchase to bill

    def test_po_then_bill_moves_committed_to_actual(self):
        po = self._po(400.0, qty=4)
        po.button_confirm()
        self.assertFigures(self.budget_a, 0.0, 400.0)
        bill = self._bill_from_po(po)
        # A draft bill changes nothing.
        self.assertFigures(self.budget_a, 0.0, 400.0)
        bill.with_user(self.purchase_user).action_post()
        self.assertEqual(bill.state, "posted")
        self.assertFigures(self.budget_a, 400.0, 0.0)

    def test_partial_billing(self):
        po = self._po(400.0, qty=4)
        po.button_confirm()
        bill = self._bill_from_po(po, qty=1)
        bill.action_post()
        self.assertFigures(self.budget_a, 100.0, 300.0)

    def test_bill_of_a_red_po_is_not_blocked_again(self):
        self._po(600.0).button_confirm()
        po = self._po(500.0)
        po.with_user(self.budget_manager).action_budget_release("Needed")
        po.button_confirm()
        self.budget_a.invalidate_recordset()
        self.assertEqual(self.budget_a.alert_level, "red")
        bill = self._bill_from_po(po)
        bill.with_user(self.purchase_user).action_post()
        self.assertEqual(bill.state, "posted")
        self.assertFigures(self.budget_a, 500.0, 600.0)

    def test_direct_bill_and_refund(self):
        bill = self._bill(300.0)
        bill.action_post()
        self.assertFigures(self.budget_a, 300.0, 0.0)
        refund = self._bill(100.0, move_type="in_refund")
        refund.action_post()
        self.assertFigures(self.budget_a, 200.0, 0.0)

    def test_direct_bill_blocked_and_refund_never_blocked(self):
        self._bill(950.0).action_post()
        bill = self._bill(100.0)
        name = bill.display_name
        try:
            bill.with_user(self.purchase_user).action_post()
        except UserError as error:
            self.assertIn(name, str(error))
        else:
            self.fail("The bill should be blocked")
        self.assertEqual(bill.state, "draft")
        self.assertEqual(len(self._logs("blocked", bill)), 1)
        self.assertFigures(self.budget_a, 950.0, 0.0)
        # Over budget already: a refund still passes.
        # Set as the engine does (an applied change request).
        self.budget_a.sudo().amount = 900.0
        refund = self._bill(50.0, move_type="in_refund")
        refund.with_user(self.purchase_user).action_post()
        self.assertEqual(refund.state, "posted")
        self.assertFigures(self.budget_a, 900.0, 0.0)

    def test_multi_currency(self):
        eur = self.setup_other_currency("EUR", rates=[("1900-01-01", 2.0)])
        po = self._po(400.0, currency=eur)
        po.button_confirm()
        self.assertFigures(self.budget_a, 0.0, 200.0)
        bill = self._bill(300.0, currency=eur)
        bill.action_post()
        self.assertFigures(self.budget_a, 150.0, 200.0)

    def test_split_distribution_two_budgets(self):
        distribution = {str(self.account_a.id): 60, str(self.account_b.id): 40}
        po = self._po(1000.0, distribution=distribution)
        po.button_confirm()
        self.assertFigures(self.budget_a, 0.0, 600.0)
        self.assertFigures(self.budget_b, 0.0, 400.0)
        bill = self._bill_from_po(po)
        bill.action_post()
        self.assertFigures(self.budget_a, 600.0, 0.0)
        self.assertFigures(self.budget_b, 400.0, 0.0)
        # A second split order takes the first budget past red: blocked.
        po2 = self._po(1000.0, distribution=distribution)
        try:
            po2.button_confirm()
        except UserError as error:
            self.assertIn("Marketing budget", str(error))
            self.assertNotIn("Research budget", str(error))
        else:
            self.fail("The order should be blocked")
        self.assertFigures(self.budget_b, 400.0, 0.0)

    def test_customer_invoice_and_draft_bill_not_counted(self):
        bill = self._bill(300.0)
        bill.action_post()
        self.assertFigures(self.budget_a, 300.0, 0.0)
        bill.button_draft()
        self.assertFigures(self.budget_a, 0.0, 0.0)
        invoice = self._bill(500.0, move_type="out_invoice")
        invoice.action_post()
        self.assertFigures(self.budget_a, 0.0, 0.0)

    def test_dates_outside_budget_not_counted(self):
        bill = self._bill(300.0)
        bill.invoice_date = self.date_from.replace(year=self.date_from.year - 1)
        bill.action_post()
        self.assertFigures(self.budget_a, 0.0, 0.0)

    def test_multi_company(self):
        company_2 = self.setup_other_company()["company"]
        budget_2 = self._budget("Marketing budget 2", self.account_a, 500.0, company_2)
        po = self._po(400.0, company=company_2)
        po.with_company(company_2).button_confirm()
        self.assertFigures(budget_2, 0.0, 400.0)
        self.assertFigures(self.budget_a, 0.0, 0.0)
        # Users of the first company do not see the second company's budget.
        budgets = (
            self.env["control.budget"]
            .with_user(self.owner)
            .search([("analytic_account_id", "=", self.account_a.id)])
        )
        self.assertEqual(budgets, self.budget_a)

    # Bad input

    def test_bad_dates(self):
        with self.assertRaises(ValidationError):
            self.budget_a.write({"date_from": self.date_to, "date_to": self.date_from})

    def test_bad_amount(self):
        with self.assertRaises(ValidationError):
            self._budget("Bad", self.account_a, -5.0)

    def test_bad_thresholds(self):
        for yellow, orange, red in ((0, 90, 100), (90, 80, 100), (75, 95, 90)):
            with self.assertRaises(ValidationError):
                self.company.write(
                    {
                        "budget_yellow_pct": yellow,
                        "budget_orange_pct": orange,
                        "budget_red_pct": red,
                    }
                )
        self.company.write({"budget_orange_pct": 100, "budget_red_pct": 100})

    def test_user_cannot_write_budget(self):
        with self.assertRaises(AccessError):
            self.budget_a.with_user(self.owner).write({"amount": 5000})
        self.assertEqual(self.budget_a.with_user(self.owner).amount, 1000.0)

    def test_xlsx_export(self):
        action = (self.budget_a | self.budget_b).action_export_xlsx()
        self.assertEqual(action["type"], "ir.actions.act_url")
        rows = (self.budget_a | self.budget_b)._xlsx_rows()
        self.assertEqual(len(rows), 2)

    def test_drill_down_actions(self):
        self._po(100.0).button_confirm()
        self._bill(50.0).action_post()
        action = self.budget_a.action_view_purchase_lines()
        lines = self.env[action["res_model"]].search(action["domain"])
        self.assertEqual(len(lines), 1)
        action = self.budget_a.action_view_analytic_lines()
        lines = self.env[action["res_model"]].search(action["domain"])
        self.assertAlmostEqual(sum(lines.mapped("amount")), -50.0)

    def test_confirmed_order_edited_is_checked(self):
        po = self._po(900.0)
        po.with_user(self.purchase_user).button_confirm()
        line = po.order_line.with_user(self.purchase_user)
        with self.assertRaisesRegex(UserError, "blocked by budget"):
            line.price_unit = 1100.0
        self.assertEqual(po.order_line.price_unit, 900.0)
        self.assertFigures(self.budget_a, 0.0, 900.0)
        with self.assertRaisesRegex(UserError, "blocked by budget"):
            po.with_user(self.purchase_user).write(
                {
                    "order_line": [
                        (
                            0,
                            0,
                            {
                                "product_id": self.product.id,
                                "product_qty": 1,
                                "price_unit": 200.0,
                                "taxes_id": [(5, 0, 0)],
                                "analytic_distribution": {str(self.account_a.id): 100},
                            },
                        )
                    ]
                }
            )
        self.assertEqual(len(po.order_line), 1)
        # Within the budget, the edit passes; moving the line to another
        # budget is checked too.
        line.price_unit = 950.0
        self.assertFigures(self.budget_a, 0.0, 950.0)
        line.analytic_distribution = {str(self.account_b.id): 100}
        self.assertFigures(self.budget_a, 0.0, 0.0)
        self.assertFigures(self.budget_b, 0.0, 950.0)

    def test_receipt_is_checked(self):
        self._bill(950.0).action_post()
        receipt = self._bill(100.0, move_type="in_receipt")
        with self.assertRaisesRegex(UserError, "blocked by budget"):
            receipt.with_user(self.purchase_user).action_post()
        self.assertEqual(receipt.state, "draft")

    def test_release_used_up_when_already_red(self):
        self._bill(950.0).action_post()
        # Set as the engine does (an applied change request).
        self.budget_a.sudo().amount = 100.0  # red already
        self.budget_a.invalidate_recordset()
        self.assertEqual(self.budget_a.alert_level, "red")
        bill = self._bill(10.0)
        bill.with_user(self.budget_manager).action_budget_release("Urgent")
        bill.with_user(self.purchase_user).action_post()
        self.assertEqual(bill.state, "posted")
        self.assertFalse(bill.budget_release_amount)
        # Reset and posted again: the release is gone, the block is back.
        bill.button_draft()
        with self.assertRaisesRegex(UserError, "blocked by budget"):
            bill.with_user(self.purchase_user).action_post()

    def test_confirmed_line_moved_to_red_budget_is_blocked(self):
        self._po(950.0, distribution={str(self.account_b.id): 100}).button_confirm()
        po = self._po(100.0)
        po.button_confirm()
        line = po.order_line.with_user(self.purchase_user)
        # The order does not carry the Research account yet: still checked.
        with self.assertRaisesRegex(UserError, "Research budget") as error:
            line.analytic_distribution = {str(self.account_b.id): 100}
        self.assertIn("105.00%", str(error.exception))
        self.assertNotIn("Marketing budget", str(error.exception))
        self.assertEqual(
            po.order_line.analytic_distribution, {str(self.account_a.id): 100}
        )
        self.assertFigures(self.budget_a, 0.0, 100.0)
        self.assertFigures(self.budget_b, 0.0, 950.0)
        # A split key ("a,b") names the account too.
        key = f"{self.account_a.id},{self.account_b.id}"
        with self.assertRaisesRegex(UserError, "Research budget"):
            line.analytic_distribution = {key: 100}
        # A new line on that account.
        with self.assertRaisesRegex(UserError, "Research budget"):
            po.with_user(self.purchase_user).write(
                {
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.product.id,
                                "product_qty": 1,
                                "price_unit": 60.0,
                                "taxes_id": [Command.clear()],
                                "analytic_distribution": {str(self.account_b.id): 100},
                            }
                        )
                    ]
                }
            )
        self.assertEqual(len(po.order_line), 1)
        self.assertFigures(self.budget_b, 0.0, 950.0)
        self.assertEqual(len(self._logs("blocked", po)), 3)
        # With room on the budget, the move passes.
        # Set as the engine does (an applied change request).
        self.budget_b.sudo().amount = 2000.0
        line.analytic_distribution = {str(self.account_b.id): 100}
        self.assertFigures(self.budget_a, 0.0, 0.0)
        self.assertFigures(self.budget_b, 0.0, 1050.0)

    def test_posted_bill_line_moved_to_red_budget_is_blocked(self):
        self._bill(950.0, distribution={str(self.account_b.id): 100}).action_post()
        bill = self._bill(100.0)
        bill.action_post()
        line = bill.invoice_line_ids.with_user(self.purchase_user)
        with self.assertRaisesRegex(UserError, "Research budget"):
            line.analytic_distribution = {str(self.account_b.id): 100}
        with self.assertRaisesRegex(UserError, "Research budget"):
            # As the bank reconciliation does (through the move).
            bill.with_user(self.purchase_user).with_context(
                skip_readonly_check=True
            ).write(
                {
                    "invoice_line_ids": [
                        Command.update(
                            line.id,
                            {"analytic_distribution": {str(self.account_b.id): 100}},
                        )
                    ]
                }
            )
        self.assertEqual(bill.state, "posted")
        self.assertEqual(line.analytic_distribution, {str(self.account_a.id): 100})
        self.assertFigures(self.budget_a, 100.0, 0.0)
        self.assertFigures(self.budget_b, 950.0, 0.0)
        self.assertEqual(len(self._logs("blocked", bill)), 2)
        # Within the budget, the actuals move.
        # Set as the engine does (an applied change request).
        self.budget_b.sudo().amount = 2000.0
        line.analytic_distribution = {str(self.account_b.id): 100}
        self.assertFigures(self.budget_a, 0.0, 0.0)
        self.assertFigures(self.budget_b, 1050.0, 0.0)
        # Moving a refund away from a budget gives it back.
        refund = self._bill(
            50.0, distribution={str(self.account_b.id): 100}, move_type="in_refund"
        )
        refund.action_post()
        self.assertFigures(self.budget_b, 1000.0, 0.0)
        refund.invoice_line_ids.analytic_distribution = {str(self.account_a.id): 100}
        self.assertFigures(self.budget_a, -50.0, 0.0)
        self.assertFigures(self.budget_b, 1050.0, 0.0)

    def test_threshold_notified_after_planned_amount_raised(self):
        self._po(900.0).button_confirm()
        self.budget_a.invalidate_recordset()
        self.assertEqual(self.budget_a.alert_level, "orange")
        self.assertEqual(self.budget_a.last_alert_level, "orange")
        activities = self.budget_a.activity_ids
        self.assertEqual(len(activities), 1)
        # Raised: green again (45 %), with no document involved.
        # Set as the engine does (an applied change request).
        self.budget_a.sudo().amount = 2000.0
        self.budget_a.invalidate_recordset()
        self.assertEqual(self.budget_a.alert_level, "green")
        po = self._po(700.0)
        po.with_user(self.purchase_user).button_confirm()
        self.budget_a.invalidate_recordset()
        self.assertEqual(self.budget_a.alert_level, "yellow")
        log = self._logs("threshold", po)
        self.assertEqual(len(log), 1)
        self.assertIn("45.00%", log.message)
        self.assertIn("80.00%", log.message)
        self.assertEqual(len(self.budget_a.activity_ids - activities), 1)
        self.assertEqual(self.budget_a.last_alert_level, "yellow")
        # A cancelled order gives the consumption back; the next crossing
        # is notified again.
        po.button_cancel()
        po2 = self._po(700.0)
        po2.button_confirm()
        self.assertEqual(len(self._logs("threshold", po2)), 1)
        # Staying yellow: nothing.
        po3 = self._po(50.0)
        po3.button_confirm()
        self.assertFalse(self._logs("threshold", po3))

    def test_committed_drill_down_matches_figure(self):
        billed = self._po(400.0, qty=4)
        billed.button_confirm()
        self._bill_from_po(billed).action_post()
        partial = self._po(400.0, qty=4)
        partial.button_confirm()
        self._bill_from_po(partial, qty=1).action_post()
        open_po = self._po(100.0)
        open_po.button_confirm()
        self._po(100.0)  # draft: neither committed nor listed
        self.assertFigures(self.budget_a, 500.0, 400.0)
        action = self.budget_a.with_user(self.owner).action_view_purchase_lines()
        lines = self.env[action["res_model"]].search(action["domain"])
        self.assertEqual(lines, partial.order_line | open_po.order_line)
        action = self.budget_b.action_view_purchase_lines()
        self.assertFalse(self.env[action["res_model"]].search(action["domain"]))

    def test_release_raise_of_confirmed_order(self):
        po = self._po(900.0)
        po.button_confirm()
        line = po.order_line.with_user(self.purchase_user)
        with self.assertRaisesRegex(UserError, "blocked by budget"):
            line.price_unit = 1100.0
        manager_po = po.with_user(self.budget_manager)
        # Bad input: below the current total, or not positive.
        with self.assertRaisesRegex(UserError, "900.0"):
            manager_po.action_budget_release("Extra work", amount=800.0)
        with self.assertRaisesRegex(UserError, "positive"):
            manager_po.action_budget_release("Extra work", amount=-5.0)
        self.assertFalse(po.budget_release_amount)
        wizard = (
            self.env["control.budget.release"]
            .with_user(self.budget_manager)
            .create(
                {
                    "res_model": "purchase.order",
                    "res_id": po.id,
                    "reason": "Extra work",
                    "amount": 1100.0,
                }
            )
        )
        wizard.action_release()
        self.assertAlmostEqual(po.budget_release_amount, 1100.0)
        log = self._logs("override", po)
        self.assertEqual(len(log), 1)
        self.assertAlmostEqual(log.amount, 1100.0)
        # Above the released total: still blocked.
        with self.assertRaisesRegex(UserError, "blocked by budget"):
            line.price_unit = 1200.0
        line.price_unit = 1100.0
        self.assertFigures(self.budget_a, 0.0, 1100.0)
        # Used up.
        self.assertFalse(po.budget_release_amount)
        with self.assertRaisesRegex(UserError, "blocked by budget"):
            line.price_unit = 1150.0

    def test_state_written_directly_is_checked(self):
        """Confirming by another method than button_confirm (a plain write of
        the state over XML-RPC, button_unlock) goes through the same check."""
        self._po(950.0).button_confirm()
        po = self._po(100.0)
        with self.assertRaises(UserError) as cm:
            po.with_user(self.purchase_user).write({"state": "purchase"})
        self.assertIn("Marketing budget", str(cm.exception))
        self.assertEqual(po.state, "draft")
        with self.assertRaises(UserError):
            po.with_user(self.purchase_user).button_unlock()
        self.assertEqual(po.state, "draft")
        self.assertFigures(self.budget_a, 0.0, 950.0)
        small = self._po(40.0)
        small.with_user(self.purchase_user).write({"state": "purchase"})
        self.assertFigures(self.budget_a, 0.0, 990.0)

    def test_confirmed_order_moved_to_another_period_is_checked(self):
        next_year = self._budget(
            "Marketing next year", self.account_a, 100.0, confirm=False
        )
        next_year.write(
            {
                "date_from": self.date_from.replace(year=self.date_from.year + 1),
                "date_to": self.date_to.replace(year=self.date_to.year + 1),
            }
        )
        next_year.action_confirm()
        po = self._po(500.0)
        po.button_confirm()
        self.assertFigures(self.budget_a, 0.0, 500.0)
        later = po.date_order.replace(year=po.date_order.year + 1)
        with self.assertRaises(UserError) as cm:
            po.with_user(self.purchase_user).write({"date_order": later})
        self.assertIn("Marketing next year", str(cm.exception))
        self.assertFigures(self.budget_a, 0.0, 500.0)
        self.assertFigures(next_year, 0.0, 0.0)

    def test_order_date_in_the_company_time_zone(self):
        """An order of 07:00 on 1 January in Shanghai (23:00 UTC the day
        before) belongs to the budget that starts on 1 January."""
        self.company.partner_id.tz = "Asia/Shanghai"
        first_day = datetime.combine(self.date_from, time(0, 0))
        po = self._po(100.0)
        po.button_confirm()
        po.write({"date_order": first_day - timedelta(hours=1)})  # 07:00 local
        self.assertFigures(self.budget_a, 0.0, 100.0)
        po.write({"date_order": first_day - timedelta(hours=9)})  # 23:00 local
        self.assertFigures(self.budget_a, 0.0, 0.0)
        self.company.partner_id.tz = False
        self.owner.tz = False
        self.assertFigures(self.budget_a, 0.0, 0.0)  # UTC: still the day before

    def test_refund_of_a_bill_from_a_purchase_order(self):
        """The refund reduces the actuals and gives the quantity back to the
        order's commitment: consumption stays, nothing counted twice."""
        po = self._po(400.0, qty=4)
        po.button_confirm()
        bill = self._bill_from_po(po)
        bill.action_post()
        self.assertFigures(self.budget_a, 400.0, 0.0)
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=bill.ids)
            .create({"journal_id": bill.journal_id.id, "date": bill.date})
        )
        refund = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        self.assertEqual(refund.move_type, "in_refund")
        refund.action_post()
        self.assertFigures(self.budget_a, 0.0, 400.0)
        self.assertEqual(po.order_line.qty_invoiced, 0.0)
