from datetime import timedelta

from odoo.tests import tagged

from .common_dunning import DunningCommon


@tagged("post_install", "-at_install")
class TestSalesAnalysis(DunningCommon):
    """The sales analysis reads open and overdue as the credit check does."""

    def _figures(self, partner=None):
        self.env.flush_all()
        Analysis = self.env["control.sales.analysis"]
        domain = [
            ("partner_id", "=", (partner or self.customer).id),
            ("company_id", "=", self.company.id),
        ]
        [row] = Analysis._read_group(
            domain,
            [],
            [
                "amount_ordered:sum",
                "amount_invoiced:sum",
                "amount_paid:sum",
                "amount_open:sum",
                "amount_overdue:sum",
            ],
        )
        return dict(
            zip(("ordered", "invoiced", "paid", "open", "overdue"), row, strict=True)
        )

    def test_overdue_equals_the_credit_check(self):
        old = self._overdue(45, 1000.0)
        self._overdue(10, 200.0)
        self._invoice(
            self.customer, 300.0, self.today, due_date=self.today + timedelta(days=30)
        )
        self._refund(400.0)  # posted, not matched: pays the oldest debit first
        self._pay_amount(old, 100.0)
        order = self._order(amount=250.0)
        order.action_confirm()
        customer = self.customer.with_user(self.controller)
        figures = self._figures()
        self.assertAlmostEqual(customer.credit_overdue_amount, 700.0)
        self.assertAlmostEqual(figures["overdue"], customer.credit_overdue_amount)
        self.assertAlmostEqual(figures["open"], customer.credit_receivable_amount)
        self.assertAlmostEqual(figures["open"], 1000.0)
        # Invoiced: 1500 of invoices less the 400 credit note (untaxed);
        # paid: the invoices' receivables settled, credit note deducted.
        self.assertAlmostEqual(figures["invoiced"], 1100.0)
        self.assertAlmostEqual(figures["paid"], 100.0)
        self.assertAlmostEqual(figures["ordered"], 250.0)
        # Grouped by grade: the customer's grade in the row's company.
        self.customer.credit_grade = "B"
        self.env.flush_all()
        grades = dict(
            self.env["control.sales.analysis"]._read_group(
                [("partner_id", "=", self.customer.id)],
                ["credit_grade"],
                ["amount_overdue:sum"],
            )
        )
        self.assertEqual(set(grades), {"B"})
        self.assertAlmostEqual(grades["B"], 700.0)

    def test_advance_payment_beyond_debits(self):
        self._overdue(40, 100.0)
        self._refund(300.0)
        figures = self._figures()
        self.assertAlmostEqual(figures["overdue"], 0.0)
        self.assertAlmostEqual(self.customer.credit_overdue_amount, 0.0)
        self.assertAlmostEqual(figures["open"], -200.0)
        self.assertAlmostEqual(figures["invoiced"], -200.0)
        # Nothing was paid: the credit note is not a payment.
        self.assertAlmostEqual(figures["paid"], 0.0)
