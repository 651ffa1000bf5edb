import base64
import io
from datetime import datetime, time, timedelta

import openpyxl

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user

MEASURES = (
    "planned_amount",
    "actual_amount",
    "committed_amount",
    "consumed_amount",
    "variance_amount",
    "consumed_pct",
)


class BudgetReportCases:
    """The budget analysis report gives the budget check's own figures.

    Mixed into TestBudget (its set-up, a chart of accounts, is the costly
    part of these tests)."""

    def _report(self, budgets, user=None):
        self.env.flush_all()
        Report = self.env["control.budget.report"]
        if user:
            Report = Report.with_user(user)
        rows = Report._read_group(
            [("budget_id", "in", budgets.ids)],
            ["budget_id"],
            [f"{name}:sum" for name in MEASURES],
        )
        return {row[0]: dict(zip(MEASURES, row[1:], strict=True)) for row in rows}

    def assertReportEqualsBudgets(self, budgets):
        report = self._report(budgets)
        budgets.invalidate_recordset()
        for budget in budgets:
            figures = report[budget]
            self.assertAlmostEqual(figures["planned_amount"], budget.amount)
            self.assertAlmostEqual(figures["actual_amount"], budget.actual_amount)
            self.assertAlmostEqual(figures["committed_amount"], budget.committed_amount)
            self.assertAlmostEqual(figures["consumed_amount"], budget.consumed_amount)
            self.assertAlmostEqual(figures["variance_amount"], budget.remaining_amount)
            self.assertAlmostEqual(figures["consumed_pct"], budget.consumed_pct)
            level = self.env["control.budget.report"].search(
                [("budget_id", "=", budget.id)], limit=1
            )
            self.assertEqual(level.alert_level, budget.alert_level)
        return report

    def test_report_equals_the_budget_figures(self):
        # Partly billed (1 of 4), in a foreign currency, split 60/40; a bill
        # refunded; a direct bill; a refund of a direct bill.
        currency = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        split = {str(self.account_a.id): 60, str(self.account_b.id): 40}
        partial = self._po(400.0, qty=4, distribution=split, currency=currency)
        partial.button_confirm()
        self._bill_from_po(partial, qty=1).action_post()
        billed = self._po(300.0, qty=3)
        billed.button_confirm()
        bill = self._bill_from_po(billed)
        bill.action_post()
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=bill.ids)
            .create({"journal_id": bill.journal_id.id, "date": bill.date})
        )
        self.env["account.move"].browse(reversal.refund_moves()["res_id"]).action_post()
        self._bill(50.0).action_post()
        self._bill(20.0, move_type="in_refund").action_post()
        budgets = self.budget_a | self.budget_b
        report = self.assertReportEqualsBudgets(budgets)
        # Marketing: actual 60 % of 100 EUR (50) + 50 - 20; committed 60 % of
        # the 3 unbilled EUR days (150) + the refunded order's 300.
        self.assertAlmostEqual(report[self.budget_a]["actual_amount"], 60.0)
        self.assertAlmostEqual(report[self.budget_a]["committed_amount"], 390.0)
        self.assertAlmostEqual(report[self.budget_b]["committed_amount"], 60.0)
        # A group's consumed (%) is its consumption over its planned amount.
        [(pct, consumed)] = self.env["control.budget.report"]._read_group(
            [("budget_id", "in", budgets.ids)],
            [],
            ["consumed_pct:sum", "consumed_amount:sum"],
        )
        self.assertAlmostEqual(consumed, 60.0 + 390.0 + 20.0 + 60.0)
        self.assertAlmostEqual(pct, consumed * 100.0 / 2000.0)

    def test_company_time_zone(self):
        """The report's periods are the check's: an order of 07:00 on
        1 January in Shanghai belongs to the budget starting that day, one
        of 23:00 local the day before does not."""
        self.company.partner_id.tz = "Asia/Shanghai"
        first_day = datetime.combine(self.date_from, time(0, 0))
        early, late = self._po(100.0), self._po(10.0)
        (early | late).button_confirm()
        early.write({"date_order": first_day - timedelta(hours=1)})
        late.write({"date_order": first_day - timedelta(hours=9)})
        report = self.assertReportEqualsBudgets(self.budget_a)
        self.assertAlmostEqual(report[self.budget_a]["committed_amount"], 100.0)

    def test_access(self):
        company_b = self.env["res.company"].create({"name": "Budget Report B"})
        budget_b = self._budget("Other company budget", self.account_a, 50.0, company_b)
        user_b = new_test_user(
            self.env,
            login="budget_report_b",
            groups="sales_internal_control.group_control_user",
            company_id=company_b.id,
            company_ids=[Command.set(company_b.ids)],
        )
        both = self.budget_a | budget_b
        self.assertEqual(set(self._report(both, self.owner)), {self.budget_a})
        self.assertEqual(set(self._report(both, user_b)), {budget_b})
        # From the budgets' list: the analysis of the selected budgets.
        action = self.budget_a.with_user(self.owner).action_open_analysis()
        rows = (
            self.env["control.budget.report"]
            .with_user(self.owner)
            .search(action["domain"])
        )
        self.assertEqual(rows.budget_id, self.budget_a)
        self.assertEqual(set(rows.mapped("kind")), {"planned", "actual", "committed"})
        plain = new_test_user(self.env, login="budget_report_plain")
        with self.assertRaises(AccessError):
            self._report(both, plain)

    def test_xlsx_levels_and_totals(self):
        self._po(800.0).button_confirm()  # Marketing: 80 %, yellow
        [quarter] = self.env["control.budget"].create(
            {
                "name": "Marketing Q1",
                "parent_id": self.budget_a.id,
                "analytic_account_id": self.account_a.id,
                "date_from": self.date_from,
                "date_to": self.date_from.replace(month=3, day=31),
                "amount": 250.0,
            }
        )
        budgets = self.budget_a | self.budget_b | quarter
        action = budgets.action_export_xlsx()
        attachment = self.env["ir.attachment"].browse(
            int(action["url"].split("/web/content/")[1].split("?")[0])
        )
        content = base64.b64decode(attachment.datas)
        sheet = openpyxl.load_workbook(io.BytesIO(content), data_only=True).active
        rows = {row[0].value: row for row in sheet.iter_rows(min_row=5)}
        self.assertEqual(rows["Marketing budget"][13].value, "Yellow")
        self.assertEqual(rows["Marketing budget"][13].fill.fgColor.rgb, "FFFFEB9C")
        self.assertEqual(rows["Research budget"][13].fill.fgColor.rgb, "FFC6EFCE")
        self.assertEqual(rows["Marketing budget"][12].number_format, "0.00%")
        self.assertEqual(rows["Marketing budget"][3].number_format, "yyyy-mm-dd")
        # One total in the company currency, the sub-budget left out (its
        # parent counts the same spend); no total of the percentages.
        total = rows[f"Total {self.company.currency_id.name}"]
        self.assertEqual(total[7].value, 2000.0)
        self.assertEqual(total[10].value, 800.0)
        self.assertIsNone(total[12].value)
