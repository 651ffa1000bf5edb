from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tests.common import freeze_time

from .common import ContractCase


@tagged("post_install", "-at_install")
class TestContractControls(ContractCase):
    """The workflow cannot be skipped, and documents cannot dodge a contract."""

    def test_state_cannot_be_written_directly(self):
        with self.assertRaisesRegex(AccessError, "set by its workflow"):
            self._contract(state="active")
        with self.assertRaisesRegex(AccessError, "set by its workflow"):
            self._contract(approved_by_id=self.manager.id)
        contract = self._signed_contract()
        self.assertEqual(contract.state, "active")
        for vals in (
            {"state": "draft"},
            {"signed_date": date(2026, 2, 1)},
            {"approved_by_id": self.salesman.id},
            {"version": 5},
        ):
            with self.assertRaisesRegex(AccessError, "set by its workflow"):
                contract.write(vals)
        self.assertEqual(contract.state, "active")
        self.assertEqual(contract.version, 1)
        # A draft created by the client with the default state is fine.
        self.assertEqual(self._contract(state="draft").state, "draft")

    def test_approved_contract_is_locked_until_reset(self):
        contract = self._contract()
        self._attach(contract)
        contract.action_submit()
        with self.assertRaisesRegex(UserError, "without an amendment"):
            contract.amount_total = 9000.0
        contract.with_user(self.manager).action_approve()
        with self.assertRaisesRegex(UserError, "without an amendment"):
            contract.amount_total = 9000.0
        self.assertEqual(contract.amount_total, 1000.0)
        # Reset to draft (an approved contract by a contract manager only):
        # the approval is gone, the amount can change, and it must be
        # approved again.
        with self.assertRaisesRegex(AccessError, "reserved to contract managers"):
            contract.action_draft()
        self.assertEqual(contract.state, "approved")
        contract.with_user(self.manager).action_draft()
        self.assertEqual(contract.state, "draft")
        self.assertFalse(contract.approved_by_id)
        contract.amount_total = 9000.0
        contract.action_submit()
        self.assertEqual(contract.state, "to_approve")

    def test_contract_kind_must_match_the_document(self):
        sale = self._signed_contract()
        bill = self._invoice(sale, 100.0, move_type="in_invoice")
        with self.assertRaisesRegex(UserError, "Customer.*Vendor|Sale.*Purchase"):
            bill.action_post()
        self.assertEqual(bill.state, "draft")
        vendor = self._signed_contract(contract_type="purchase")
        invoice = self._invoice(vendor, 100.0)
        with self.assertRaisesRegex(UserError, "cannot use contract"):
            invoice.action_post()
        self.assertEqual(invoice.state, "draft")

    def test_refund_must_match_partner(self):
        contract = self._signed_contract()
        self._invoice(contract, 1000.0).action_post()
        refund = self._invoice(
            contract, 300.0, move_type="out_refund", partner=self.other_partner
        )
        with self.assertRaisesRegex(UserError, "Other Customer"):
            refund.action_post()
        self.assertEqual(contract.amount_remaining, 0.0)
        # The right customer's refund passes even over a full contract.
        self._invoice(contract, 300.0, move_type="out_refund").action_post()
        self.assertEqual(contract.amount_remaining, 300.0)

    def test_contract_of_a_posted_invoice_cannot_change(self):
        contract = self._signed_contract()
        other = self._signed_contract()
        invoice = self._invoice(contract, 900.0)
        invoice.action_post()
        invoice = invoice.with_user(self.accountant)
        with self.assertRaisesRegex(UserError, "is posted"):
            invoice.contract_id = other
        with self.assertRaisesRegex(UserError, "is posted"):
            invoice.contract_id = False
        self.assertEqual(invoice.contract_id, contract)
        free = self._invoice(contract, 100.0, contract_id=False)
        free.action_post()
        with self.assertRaisesRegex(UserError, "is posted"):
            free.with_user(self.accountant).contract_id = contract

    def test_orders_of_two_contracts_are_invoiced_apart(self):
        first = self._signed_contract()
        second = self._signed_contract()
        orders = self.env["sale.order"].create(
            [
                {
                    "partner_id": self.partner.id,
                    "contract_id": contract.id,
                    "order_line": [
                        Command.create(
                            {"product_id": self.product.id, "price_unit": 100}
                        )
                    ],
                }
                for contract in (first, second)
            ]
        )
        orders.action_confirm()
        with self.assertRaisesRegex(UserError, "is confirmed"):
            orders[0].with_user(self.salesman).contract_id = second
        invoices = orders._create_invoices()
        self.assertEqual(len(invoices), 2)
        self.assertEqual(invoices.contract_id, first | second)

    def test_two_versions_activated_together_leave_one_active(self):
        with freeze_time("2026-03-01"):
            contract = self._signed_contract(date_start=date(2026, 4, 1))
            self.assertEqual(contract.state, "signed")
            action = contract.action_amend()
            new = self.env["contract.contract"].browse(action["res_id"])
            self._attach(new)
            new.action_submit()
            new.with_user(self.manager).action_approve()
            self._scan(new)
            new.with_user(self.manager).action_sign()
            self.assertEqual(new.state, "signed")
        with freeze_time("2026-04-01"):
            self.env["contract.contract"]._cron_contract_lifecycle()
        self.assertEqual(new.state, "active")
        self.assertEqual(contract.state, "terminated")
        self.assertEqual(contract.superseded_by_id, new)

    def test_terminate_closes_a_pending_approval(self):
        self.env["control.approval.rule"].sudo().create(
            {
                "name": "Contracts from 500",
                "model_name": "contract.contract",
                "amount_min": 500.0,
                "tier_ids": [
                    Command.create({"name": "Boss", "user_id": self.manager2.id})
                ],
            }
        )
        contract = self._contract()
        self._attach(contract)
        contract.action_submit()
        self.assertEqual(contract.approval_state, "pending")
        contract.with_user(self.manager).action_terminate("Customer withdrew")
        self.assertEqual(contract.state, "terminated")
        self.assertEqual(contract.approval_state, "none")
        self.assertFalse(
            contract.approval_request_ids.filtered(
                lambda r: r.state in ("waiting", "pending")
            )
        )

    def test_purchase_user_sees_vendor_contracts_only(self):
        buyer = self.env["res.users"].create(
            {
                "name": "Contract Buyer",
                "login": "ic_ct_buyer",
                "groups_id": [
                    Command.set([self.env.ref("purchase.group_purchase_user").id])
                ],
            }
        )
        customer = self._contract()
        vendor = self._contract(contract_type="purchase")
        visible = (
            self.env["contract.contract"]
            .with_user(buyer)
            .search([("id", "in", (customer | vendor).ids)])
        )
        self.assertEqual(visible, vendor)
