from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tests.common import new_test_user
from odoo.tools import SQL

from .common_dunning import DunningCommon


@tagged("post_install", "-at_install")
class TestOpenItems(DunningCommon):
    """One definition of open and overdue: exposure, aging and dunning agree."""

    def _aging(self, partner=None):
        # The view reads the journal items: write the pending ones first.
        self.env.flush_all()
        return self.env["credit.aging.report"].search(
            [
                ("partner_id", "=", (partner or self.customer).id),
                ("company_id", "=", self.company.id),
            ]
        )

    def test_credit_note_netted(self):
        old = self._overdue(45, 1000.0)
        self._overdue(10, 200.0)
        self._invoice(
            self.customer, 300.0, self.today, due_date=self.today + timedelta(days=30)
        )
        self._refund(400.0)  # posted, not matched to an invoice
        customer = self.customer.with_user(self.controller)
        self.assertAlmostEqual(customer.credit_receivable_amount, 1100.0)
        # The credit note pays the oldest debit first: 600 + 200 overdue.
        self.assertAlmostEqual(customer.credit_overdue_amount, 800.0)
        aging = self._aging()
        self.assertAlmostEqual(sum(aging.mapped("amount_open")), 1100.0)
        self.assertAlmostEqual(sum(aging.mapped("amount_overdue")), 800.0)
        self.assertAlmostEqual(sum(aging.mapped("amount_31_60")), 600.0)
        self.assertAlmostEqual(sum(aging.mapped("amount_1_30")), 200.0)
        self.assertAlmostEqual(sum(aging.mapped("amount_not_due")), 300.0)
        self._run()
        dunning = self._dunnings()
        self.assertAlmostEqual(dunning.amount_overdue, 800.0)
        self.assertEqual(dunning.level_id, self.level_3)
        self.assertEqual(old.dunning_level_id, self.level_3)
        # The credit-check result reads the same figures.
        result = self.customer.credit_check(0.0)
        self.assertAlmostEqual(result["exposure"], 1100.0)

    def test_credits_beyond_debits(self):
        self._overdue(40, 100.0)
        self._refund(300.0)
        customer = self.customer.with_user(self.controller)
        self.assertAlmostEqual(customer.credit_receivable_amount, -200.0)
        self.assertAlmostEqual(customer.credit_overdue_amount, 0.0)
        aging = self._aging()
        self.assertAlmostEqual(sum(aging.mapped("amount_open")), -200.0)
        self.assertAlmostEqual(sum(aging.mapped("amount_overdue")), 0.0)
        self.assertEqual(aging.filtered(lambda r: not r.move_id).age, "not_due")
        self.assertEqual(self._run()["sent"], 0)
        # Exposure (what the credit limit is compared with) is the same.
        report = self.env["credit.exposure.report"].search(
            [("partner_id", "=", self.customer.id), ("bucket", "=", "receivable")]
        )
        self.assertAlmostEqual(sum(report.mapped("amount")), -200.0)
        self.assertAlmostEqual(sum(report.mapped("overdue_amount")), 0.0)

    def test_overdue_block_nets_credits(self):
        self.company.credit_block_overdue = True
        self._overdue(10, 100.0)
        order = self._order(amount=10.0)
        with self.assertRaises(UserError) as cm:
            order.action_confirm()
        self.assertIn("overdue receivables of", str(cm.exception))
        self._refund(100.0)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_aging_groups(self):
        self._overdue(100, 50.0)
        self._overdue(70, 40.0)
        self._overdue(5, 30.0)
        self.env.flush_all()
        groups = self.env["credit.aging.report"]._read_group(
            [("partner_id", "=", self.customer.id)],
            ["age"],
            ["amount_open:sum"],
        )
        self.assertEqual(dict(groups), {"90_plus": 50.0, "61_90": 40.0, "1_30": 30.0})
        rows = self.env["credit.aging.report"]._read_group(
            [("partner_id", "=", self.customer.id)], ["user_id"], ["amount_open:sum"]
        )
        self.assertEqual(len(rows), 1)

    def test_dso(self):
        invoice = self._invoice(
            self.customer,
            900.0,
            self.today - timedelta(days=10),
            due_date=self.today + timedelta(days=20),
        )
        self._pay_amount(invoice, 450.0)
        self._invoice(self.customer, 500.0, fields.Date.subtract(self.today, days=200))
        # 950 open (450 + 500), 900 sold in the last 90 days: 95 days.
        customer = self.customer.with_user(self.controller)
        self.assertAlmostEqual(customer.credit_dso, 95.0)

    def test_exposure_query_count(self):
        """The credit check's exposure is one query whatever the lines."""
        self._overdue(5, 10.0)
        self._refund(3.0)
        partner = self.customer.sudo()
        self.env.flush_all()
        with self.assertQueryCount(1):
            partner._credit_exposure_data()
        for days in range(10):
            self._overdue(days + 1, 10.0)
        self.env.flush_all()
        with self.assertQueryCount(1):
            partner._credit_exposure_data()

    def test_totals_agree_with_items(self):
        """The credit check's totals are the sums of the aging's items."""
        other = self.env["res.partner"].create({"name": "Mixed Customer"})
        for days, amount in ((90, 500.0), (40, 250.0), (5, 125.0), (-20, 400.0)):
            self._overdue(days, amount, partner=other)
        self._refund(300.0, partner=other)
        self._refund(50.0, partner=other)
        self._overdue(10, 80.0)
        self._refund(200.0)
        partners = (self.customer | other).sudo()
        data = partners._credit_exposure_data()
        for partner in partners:
            aging = self._aging(partner)
            self.assertAlmostEqual(
                data[partner.id]["receivable"], sum(aging.mapped("amount_open"))
            )
            self.assertAlmostEqual(
                data[partner.id]["overdue"], sum(aging.mapped("amount_overdue"))
            )
        self.assertAlmostEqual(data[other.id]["overdue"], 525.0)
        self.assertAlmostEqual(data[self.customer.id]["receivable"], -120.0)
        self.assertAlmostEqual(data[self.customer.id]["overdue"], 0.0)

    def test_age_totals_agree_with_items(self):
        """The dashboard's totals by aging bucket (credits paid oldest
        buckets first, one grouped pass) are the aging report's sums."""
        other = self.env["res.partner"].create({"name": "Aged Customer"})
        for days, amount in ((120, 300.0), (75, 200.0), (45, 100.0), (-10, 50.0)):
            self._overdue(days, amount, partner=other)
        self._refund(350.0, partner=other)  # pays 90+ and half of 61-90
        self._overdue(40, 100.0)
        self._refund(300.0)  # beyond every debit: -200 not due
        self.env.flush_all()
        partners = self.customer | other
        rows = self.env.execute_query(
            self.env["res.partner"]._credit_exposure_query(
                self.company,
                SQL("%s", tuple(partners.ids)),
                SQL("CURRENT_DATE"),
                by_age=True,
            )
        )
        by_age = {
            (pid, age): amount
            for bucket, pid, amount, _overdue, age in rows
            if bucket == "receivable" and amount
        }
        groups = self.env["credit.aging.report"]._read_group(
            [("partner_id", "in", partners.ids)],
            ["partner_id", "age"],
            ["amount_open:sum"],
        )
        expected = {(p.id, age): amount for p, age, amount in groups if amount}
        self.assertEqual(by_age.keys(), expected.keys())
        for key, amount in expected.items():
            self.assertAlmostEqual(by_age[key], amount, msg=key)
        self.assertAlmostEqual(by_age[other.id, "61_90"], 150.0)
        self.assertAlmostEqual(by_age[other.id, "31_60"], 100.0)
        self.assertAlmostEqual(by_age[self.customer.id, "not_due"], -200.0)
        overdue = sum(
            value for bucket, _p, _a, value, _age in rows if bucket == "receivable"
        )
        self.assertAlmostEqual(overdue, 250.0)

    def test_aging_access(self):
        self._overdue(10, 80.0)
        self.env.flush_all()
        with self.assertRaises(AccessError):
            self.env["credit.aging.report"].with_user(self.salesman).search([])
        rows = (
            self.env["credit.aging.report"]
            .with_user(self.controller)
            .search([("partner_id", "=", self.customer.id)])
        )
        self.assertAlmostEqual(sum(rows.mapped("amount_1_30")), 80.0)
        # Another company's user sees none of this company's items.
        company_b = self.env["res.company"].create({"name": "Aging Co B"})
        outsider = new_test_user(
            self.env,
            login="aging_outsider",
            groups="credit_rating.group_credit_controller",
            company_id=company_b.id,
            company_ids=[company_b.id],
        )
        self.assertFalse(
            self.env["credit.aging.report"]
            .with_user(outsider)
            .search([("partner_id", "=", self.customer.id)])
        )
