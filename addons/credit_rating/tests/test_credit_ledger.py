from datetime import timedelta

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL

from ..models.credit_exposure_ledger import FOLD_ROWS, LEDGER_TABLE
from .common_dunning import DunningCommon

BUCKETS = ("receivable", "overdue", "order", "draft", "exposure")


@tagged("post_install", "-at_install")
class TestCreditLedger(DunningCommon):
    """The credit check reads each customer's exposure from
    credit_exposure_ledger, which the database keeps equal to the definition
    (res.partner._credit_exposure_query) whatever writes the documents."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.credit_block_overdue = False
        cls.other_customer = cls.env["res.partner"].create(
            {"name": "Ledger Other Ltd", "is_company": True, "credit_limit": 1000.0}
        )

    def _defined(self, partners):
        """The exposure buckets of ``partners`` by the definition."""
        self.env.flush_all()
        Partner = self.env["res.partner"]
        rows = self.env.execute_query(
            Partner._credit_exposure_query(
                self.company, SQL("%s", tuple(partners.ids)), self.today
            )
        )
        return Partner._credit_exposure_fold(self.company, rows, partners.ids)

    def _rows(self, partners):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT count(*) FROM %s t JOIN res_partner c ON c.id = t.partner_id "
                "WHERE c.commercial_partner_id IN %s",
                SQL.identifier(LEDGER_TABLE),
                tuple(partners.ids),
            )
        )
        return self.env.cr.fetchone()[0]

    def assertExact(self, partner, **expected):
        """The ledger's buckets of ``partner`` are the definition's, and
        ``expected`` (a bucket: an amount) where given; no customer drifts."""
        partners = self.customer | self.other_customer | partner
        stored = partners.sudo()._credit_exposure_data()
        defined = self._defined(partners)
        for each in partners:
            for bucket in BUCKETS:
                self.assertAlmostEqual(
                    stored[each.id][bucket],
                    defined[each.id][bucket],
                    msg=f"{each.name} {bucket}",
                )
        for bucket, amount in expected.items():
            self.assertAlmostEqual(stored[partner.id][bucket], amount, msg=bucket)
        self.assertEqual(self.env["res.partner"]._credit_ledger_drift(), [])

    def test_documents_move_the_ledger(self):
        order = self._order(amount=300.0)
        order.action_confirm()
        self.assertExact(self.customer, order=300.0, exposure=300.0)
        # A contact's order counts for its company.
        contact_order = self._order(partner=self.contact, amount=50.0)
        contact_order.action_confirm()
        self.assertExact(self.customer, order=350.0)
        # Invoiced in draft: out of the orders, into the drafts.
        invoice = order._create_invoices()
        self.assertExact(self.customer, order=50.0, draft=300.0, exposure=350.0)
        invoice.invoice_date_due = self.today + timedelta(days=30)
        invoice.action_post()
        self.assertExact(self.customer, receivable=300.0, draft=0.0, overdue=0.0)
        self._pay_amount(invoice, 120.0)
        self.assertExact(self.customer, receivable=180.0)
        self._refund(30.0)
        self.assertExact(self.customer, receivable=150.0, exposure=200.0)
        # Overdue: the credits pay the oldest debits first.
        self._overdue(10, 100.0)
        self.assertExact(self.customer, receivable=250.0, overdue=70.0)
        # A line raised on a confirmed order, then the order cancelled.
        contact_order.order_line.write({"product_uom_qty": 2, "price_unit": 50.0})
        self.assertExact(self.customer, order=100.0)
        contact_order._action_cancel()
        self.assertExact(self.customer, order=0.0, exposure=250.0)
        # Reset to draft, then deleted.
        invoice.button_draft()
        self.assertExact(self.customer, draft=300.0)
        invoice.button_cancel()
        self.assertExact(self.customer, draft=0.0)

    def test_contact_moved_takes_its_orders(self):
        order = self._order(partner=self.contact, amount=80.0)
        order.action_confirm()
        self.assertExact(self.customer, order=80.0)
        self.contact.parent_id = self.other_customer
        self.assertExact(self.customer, order=0.0)
        self.assertExact(self.other_customer, order=80.0)

    def test_sql_writes_move_the_ledger(self):
        invoice = self._overdue(5, 400.0)
        self.assertExact(self.customer, receivable=400.0, overdue=400.0)
        line = invoice.line_ids.filtered(
            lambda aml: aml.account_id.account_type == "asset_receivable"
        )
        # An import or a script writing the table directly.
        self.env.cr.execute(
            "UPDATE account_move_line SET date_maturity = %s WHERE id = %s",
            [self.today + timedelta(days=3), line.id],
        )
        self.env.invalidate_all()
        self.assertExact(self.customer, receivable=400.0, overdue=0.0)
        self.env.cr.execute(
            "UPDATE account_move_line SET partner_id = %s WHERE id = %s",
            [self.other_customer.id, line.id],
        )
        self.env.invalidate_all()
        self.assertExact(self.customer, receivable=0.0)
        self.assertExact(self.other_customer, receivable=400.0)
        # The receivable account is no longer one: measured again.
        receivable = line.account_id
        self.env.cr.execute(
            "UPDATE account_account SET account_type = 'asset_current' WHERE id = %s",
            [receivable.id],
        )
        self.env.invalidate_all()
        self.assertExact(self.other_customer, receivable=0.0)
        self.env.cr.execute(
            "UPDATE account_account SET account_type = 'asset_receivable' "
            "WHERE id = %s",
            [receivable.id],
        )
        self.env.invalidate_all()
        self.assertExact(self.other_customer, receivable=400.0)

    def test_other_company(self):
        company_b = self.env["res.company"].create({"name": "Ledger Company B"})
        self.env.user.company_ids |= company_b
        order = (
            self.env["sale.order"]
            .with_company(company_b)
            .create(
                {
                    "partner_id": self.customer.id,
                    "company_id": company_b.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.product.id,
                                "price_unit": 700.0,
                                "tax_id": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        order.with_company(company_b).action_confirm()
        self.assertExact(self.customer, order=0.0)
        data = self.customer.sudo().with_company(company_b)._credit_exposure_data()
        self.assertAlmostEqual(data[self.customer.id]["order"], 700.0)

    def test_check_reads_the_ledger_cron_repairs(self):
        """The check blocks on the ledger's figure; the daily cron finds a
        difference, logs it and corrects it."""
        self.customer.credit_limit = 1000.0
        self._order(amount=100.0).action_confirm()
        self.assertExact(self.customer, exposure=100.0)
        # A writer the triggers did not see: 850 that the documents do not have.
        self.env.cr.execute(
            SQL(
                "INSERT INTO %s (partner_id, company_id, date_due, ordered) "
                "VALUES (%s, %s, '-infinity', 850)",
                SQL.identifier(LEDGER_TABLE),
                self.customer.id,
                self.company.id,
            )
        )
        blocked = self._order(amount=100.0)
        with self.assertRaises(UserError) as cm:
            blocked.action_confirm()
        self.assertIn("exceeds the credit limit", str(cm.exception))
        self.assertEqual(blocked.state, "draft")
        drift = self.env["res.partner"]._credit_ledger_drift()
        self.assertEqual(len(drift), 1)
        partner_id, company_id, _due, stored, measured = drift[0]
        self.assertEqual((partner_id, company_id), (self.customer.id, self.company.id))
        self.assertAlmostEqual(stored[2] - measured[2], 850.0)
        self.assertEqual(self.env["res.partner"]._cron_verify_exposure(), 1)
        log = self._logs(self.customer, "credit_totals")
        self.assertEqual(len(log), 1)
        self.assertIn("Credit Customer Ltd", log.message)
        self.assertIn("it is corrected", log.message)
        self.assertAlmostEqual(log.amount, -850.0)
        self.assertExact(self.customer, exposure=100.0)
        blocked.action_confirm()
        self.assertEqual(blocked.state, "sale")
        self.assertEqual(self.env["res.partner"]._cron_verify_exposure(), 0)

    def _raise(self, order):
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE sale_order_line SET credit_open_amount = credit_open_amount + 5 "
            "WHERE order_id = %s",
            [order.id],
        )
        self.env.invalidate_all()

    def test_fold(self):
        """The check folds a customer's rows beyond FOLD_ROWS, the cron
        every customer's; the debits due long ago into one row."""
        for days in range(3):
            self._overdue(40 + days, 10.0)
        self._invoice(self.customer, 20.0, self.today, self.today + timedelta(days=9))
        order = self._order(amount=5.0)
        order.action_confirm()
        # Many small statements (a script raising a line, one at a time).
        for _step in range(FOLD_ROWS):
            self._raise(order)
        self.assertGreater(self._rows(self.customer), FOLD_ROWS)
        self.assertExact(self.customer, receivable=50.0, overdue=30.0)
        self._order(amount=1.0).action_confirm()
        # Folded: the three old debits and the rest in one row, the debit
        # due in 9 days apart; then the new order's line.
        self.assertLessEqual(self._rows(self.customer), 3)
        self.assertExact(
            self.customer, receivable=50.0, overdue=30.0, order=5.0 * 65 + 1.0
        )
        for _step in range(3):
            self._raise(order)
        self.env["res.partner"]._cron_verify_exposure()
        self.assertEqual(self._rows(self.customer), 2)
        self.assertExact(self.customer, order=5.0 * 68 + 1.0)
