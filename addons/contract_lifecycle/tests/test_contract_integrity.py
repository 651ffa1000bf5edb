from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tests.common import freeze_time

from .common import ContractCase


@tagged("post_install", "-at_install")
class TestContractIntegrity(ContractCase):
    """Versions stay one contract, read-only users cannot move the workflow,
    the reference comes from the sequence."""

    def _amend(self, contract):
        action = contract.action_amend()
        return self.env["contract.contract"].browse(action["res_id"])

    def _sign(self, contract):
        self._attach(contract)
        contract.action_submit()
        contract.with_user(self.manager).action_approve()
        self._scan(contract)
        contract.with_user(self.manager).action_sign()

    def test_amendment_keeps_family_terms(self):
        contract = self._signed_contract()
        new = self._amend(contract).with_user(self.salesman)
        other_currency = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("id", "!=", self.currency.id)], limit=1)
        )
        for vals, pattern in (
            ({"currency_id": other_currency.id}, f"{other_currency.name} instead"),
            ({"contract_type": "purchase"}, "Vendor Contract instead"),
            ({"partner_id": self.other_partner.id}, "Other Customer instead"),
        ):
            with self.assertRaises(ValidationError) as error:
                new.write(vals)
            self.assertRegex(str(error.exception), pattern)
            self.assertIn(contract.display_name, str(error.exception))
            self.assertIn(new.display_name, str(error.exception))
        new.invalidate_recordset()
        self.assertEqual(new.currency_id, self.currency)
        self.assertEqual(new.contract_type, "sale")
        self.assertEqual(new.partner_id, self.partner)
        # Another contact of the same customer is fine.
        new.partner_id = self.contact
        self.assertEqual(new.commercial_partner_id, self.partner)
        # The company too (a superuser write, past the record rules).
        other_company = self.env["res.company"].create({"name": "Contract Co 3"})
        with self.assertRaises(UserError) as error:
            new.sudo().company_id = other_company
        self.assertRegex(str(error.exception), "Contract Co 3 instead of")
        new.invalidate_recordset()
        self.assertEqual(new.company_id, self.company)

    def test_read_only_users_cannot_move_the_workflow(self):
        controller = new_test_user(
            self.env,
            login="ic_ct_controller",
            groups="sales_internal_control.group_control_manager",
        )
        draft = self._contract()
        self._attach(draft)
        waiting = self._contract()
        self._attach(waiting)
        waiting.action_submit()
        signed = self._signed_contract()
        for user in (self.accountant, controller):
            with self.assertRaises(AccessError):
                draft.with_user(user).action_submit()
            with self.assertRaises(AccessError):
                waiting.with_user(user).action_draft()
            with self.assertRaises(AccessError):
                signed.with_user(user).action_amend()
        self.assertEqual(draft.state, "draft")
        self.assertEqual(waiting.state, "to_approve")
        self.assertFalse(signed.next_version_ids)
        # The salesman (write access) may.
        draft.action_submit()
        waiting.action_draft()
        self.assertEqual(draft.state, "to_approve")
        self.assertEqual(waiting.state, "draft")

    def test_abandoned_amendment_does_not_block(self):
        contract = self._signed_contract()
        abandoned = self._amend(contract)
        self.assertEqual(contract.next_version_id, abandoned)
        abandoned.with_user(self.manager).action_terminate("Customer changed mind")
        self.assertEqual(abandoned.state, "terminated")
        self.assertFalse(contract.next_version_id)
        new = self._amend(contract)
        self.assertEqual(new.version, 3)
        self.assertEqual(new.previous_version_id, contract)
        self.assertEqual(contract.next_version_id, new)
        self.assertEqual(contract.version_ids, contract | abandoned | new)
        with self.assertRaisesRegex(UserError, "already has a version 3"):
            contract.action_amend()
        self._sign(new)
        self.assertEqual(new.state, "active")
        self.assertEqual(contract.state, "terminated")
        self.assertEqual(contract.superseded_by_id, new)
        self.assertEqual(abandoned.termination_reason, "Customer changed mind")

    def test_reference_comes_from_the_sequence(self):
        Contract = self.env["contract.contract"]
        with self.assertRaisesRegex(UserError, "CT-FAKE-1 cannot be given"):
            self._contract(name="CT-FAKE-1")
        self.assertFalse(Contract.search([("name", "=", "CT-FAKE-1")]))
        first = self._contract(name="/")
        second = self._contract()
        self.assertNotEqual(first.name, "/")
        self.assertNotEqual(first.name, second.name)
        signed = self._signed_contract()
        for contract in (first, signed):
            with self.assertRaisesRegex(AccessError, "Reference"):
                contract.write({"name": "RENAMED"})
        self.assertNotEqual(signed.name, "RENAMED")
        # A copy gets a new reference, an amendment keeps it.
        copy = first.copy()
        self.assertNotIn(copy.name, ("/", first.name))
        self.assertEqual(self._amend(signed).name, signed.name)

    def test_risk_level_counts_earlier_versions(self):
        contract = self._signed_contract()
        invoice = self._invoice(contract, 300.0, invoice_date_due=date(2026, 3, 31))
        invoice.action_post()
        new = self._amend(contract)
        self._sign(new)
        self.assertEqual(new.state, "active")
        self.assertEqual(invoice.contract_id, contract)
        with freeze_time("2026-04-15"):
            self.env["contract.contract"]._cron_contract_lifecycle()
        self.assertEqual(new.risk_level, "high")
        self.assertEqual(new.overdue_amount, 300.0)
        # Paid: back to normal.
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"payment_date": date(2026, 4, 15)})._create_payments()
        with freeze_time("2026-04-16"):
            self.env["contract.contract"]._cron_contract_lifecycle()
        self.assertEqual(new.risk_level, "normal")

    def test_invoice_of_a_contract_order_keeps_its_contract(self):
        contract = self._signed_contract()
        other = self._signed_contract()
        order = self.env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                "contract_id": contract.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "product_uom_qty": 2,
                            "price_unit": 100.0,
                            "tax_id": [Command.clear()],
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        invoice = order._create_invoices().with_user(self.salesman)
        self.assertEqual(invoice.contract_id, contract)
        for wrong in (False, other.id):
            invoice.contract_id = wrong
            with self.assertRaisesRegex(
                UserError, f"{invoice.display_name}.*{contract.name}"
            ):
                invoice.action_post()
            self.assertEqual(invoice.state, "draft")
        self.assertEqual(contract.amount_invoiced, 0.0)
        # Another version of the same contract is fine.
        new = self._amend(contract)
        self._sign(new)
        invoice.contract_id = new
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(new.amount_invoiced, 200.0)
