import base64
import io
from datetime import date

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ContractCase


@tagged("post_install", "-at_install")
class TestContractInvoicing(ContractCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contract = cls._signed_contract(amount_total=1000.0)

    def _post_blocked(self, move, pattern):
        """Post ``move``; it must be refused with ``pattern`` and a log line."""
        try:
            move.action_post()
        except UserError as error:
            self.assertRegex(str(error), pattern)
        else:
            self.fail(f"{move.display_name} was posted")
        self.assertEqual(move.state, "draft")
        self.assertTrue(self._blocked_logs(move))
        return move

    def test_amounts_and_refunds(self):
        invoice = self._invoice(self.contract, 600.0)
        invoice.action_post()
        self.assertEqual(self.contract.amount_invoiced, 600.0)
        self.assertEqual(self.contract.amount_remaining, 400.0)
        self.assertEqual(self.contract.amount_paid, 0.0)
        refund = self._invoice(self.contract, 200.0, move_type="out_refund")
        refund.action_post()
        self.assertEqual(self.contract.amount_invoiced, 400.0)
        self.assertEqual(self.contract.amount_remaining, 600.0)
        self.assertEqual(self.contract.invoice_count, 2)

    def test_amount_paid(self):
        invoice = self._invoice(self.contract, 500.0)
        invoice.action_post()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"amount": 200.0})._create_payments()
        self.assertEqual(self.contract.amount_paid, 200.0)

    def test_within_amount_passes_and_over_blocks(self):
        self._invoice(self.contract, 700.0).action_post()
        over = self._invoice(self.contract, 400.0)
        self._post_blocked(
            over, r"contract amount .*1,000.00.*invoiced .*700.00.*adds .*400.00"
        )
        self.assertEqual(self.contract.amount_invoiced, 700.0)
        # Exactly the remaining amount passes.
        self._invoice(self.contract, 300.0).action_post()
        self.assertEqual(self.contract.amount_remaining, 0.0)

    def test_refund_always_allowed(self):
        self._invoice(self.contract, 1000.0).action_post()
        self.contract.with_user(self.manager).action_terminate("Dispute")
        refund = self._invoice(self.contract, 100.0, move_type="out_refund")
        refund.action_post()
        self.assertEqual(refund.state, "posted")

    def test_tolerance(self):
        self.company.contract_invoice_tolerance_pct = 10.0
        self._invoice(self.contract, 1100.0).action_post()
        self._post_blocked(self._invoice(self.contract, 1.0), "tolerance 10.0")

    def test_batch_counts_together(self):
        moves = self._invoice(self.contract, 600.0) | self._invoice(
            self.contract, 600.0
        )
        with self.assertRaises(UserError):
            moves.action_post()
        self.assertEqual(set(moves.mapped("state")), {"draft"})

    def test_contract_state_required(self):
        draft = self._contract()
        self._post_blocked(self._invoice(draft, 10.0), "must be signed or active")

    def test_same_commercial_partner(self):
        # A contact of the contract's company is fine.
        self._invoice(self.contract, 10.0, partner=self.contact).action_post()
        self._post_blocked(
            self._invoice(self.contract, 10.0, partner=self.other_partner),
            "Other Customer.*Contract Customer",
        )

    def test_same_currency(self):
        other = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search(
                [("id", "!=", self.currency.id), ("name", "in", ("EUR", "USD"))],
                limit=1,
            )
        )
        other.active = True
        invoice = self._invoice(self.contract, 10.0, currency_id=other.id)
        self._post_blocked(invoice, f"is in {other.name}")

    def test_sale_order_carries_contract_and_is_checked(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                "contract_id": self.contract.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "product_uom_qty": 6,
                            "price_unit": 100.0,
                            "tax_id": [Command.clear()],
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        invoice = order._create_invoices()
        self.assertEqual(invoice.contract_id, self.contract)
        invoice.action_post()
        self.assertEqual(self.contract.amount_invoiced, 600.0)
        big = order.copy()
        big.order_line.product_uom_qty = 5
        self.assertEqual(big.contract_id, self.contract)
        self.assertEqual(big.amount_total, 500.0)
        with self.assertRaises(UserError):
            big.action_confirm()
        self.assertEqual(big.state, "draft")
        # Outside a savepoint, to read the log line the block leaves.
        try:
            big.action_confirm()
        except UserError as error:
            self.assertRegex(str(error), "invoiced .*600.00.*adds .*500.00")
        else:
            self.fail("the order was confirmed")
        self.assertTrue(self._blocked_logs(big))

    def test_ledger_export(self):
        self._invoice(self.contract, 250.0).action_post()
        rows = self.contract._ledger_rows()
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows[1][9], 250.0)
        self.assertEqual(rows[1][13], 750.0)
        action = self.contract.action_export_ledger()
        self.assertEqual(action["type"], "ir.actions.act_url")
        content = self.env["control.xlsx.export"]._xlsx_content(
            "Contract Ledger", self.contract._ledger_headers(), rows
        )
        self.assertEqual(content[:2], b"PK")
        try:
            import openpyxl  # noqa: PLC0415 optional
        except ImportError:
            return
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        values = [cell.value for row in sheet.iter_rows() for cell in row]
        self.assertIn(250.0, values)
        self.assertTrue(base64)

    def test_vendor_contract_bill(self):
        vendor = self._signed_contract(
            contract_type="purchase", amount_total=500.0, date_start=date(2026, 1, 1)
        )
        self._invoice(vendor, 500.0, move_type="in_invoice").action_post()
        self._post_blocked(
            self._invoice(vendor, 1.0, move_type="in_invoice"), "would exceed"
        )
