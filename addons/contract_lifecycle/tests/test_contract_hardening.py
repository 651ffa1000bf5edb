"""Issue 18 (items 1, 6, 14) for contracts: no side door."""

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import ContractCase


@tagged("post_install", "-at_install")
class TestContractHardening(ContractCase):
    def test_defaults_cannot_sign_or_approve(self):
        Contract = self.env["contract.contract"].with_user(self.salesman)
        count = Contract.search_count([])
        for key, value in {
            "default_state": "signed",
            "default_approved_by_id": self.manager.id,
            "default_version": 7,
        }.items():
            with self.subTest(key=key):
                with self.assertRaisesRegex(AccessError, "set by its workflow"):
                    Contract.with_context(**{key: value}).create(
                        {
                            "partner_id": self.partner.id,
                            "contract_type": "sale",
                            "amount_total": 1000.0,
                        }
                    )
        self.env["ir.default"].with_user(self.salesman).set(
            "contract.contract", "state", "active", user_id=True
        )
        with self.assertRaisesRegex(AccessError, "set by its workflow"):
            self._contract()
        self.assertEqual(Contract.search_count([]), count)

    def _order(self, contract, price):
        return (
            self.env["sale.order"]
            .with_user(self.salesman)
            .create(
                {
                    "partner_id": self.partner.id,
                    "contract_id": contract.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.product.id,
                                "price_unit": price,
                                "tax_id": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )

    def test_cap_on_a_plain_state_write_and_create(self):
        contract = self._signed_contract(amount_total=100.0)
        order = self._order(contract, 500.0)
        with self.assertRaisesRegex(UserError, "500.00"):
            order.with_user(self.salesman).write({"state": "sale"})
        self.assertEqual(order.state, "draft")
        with self.assertRaisesRegex(UserError, "500.00"):
            self.env["sale.order"].with_user(self.salesman).create(
                {
                    "partner_id": self.partner.id,
                    "contract_id": contract.id,
                    "state": "sale",
                    "order_line": [
                        Command.create(
                            {"product_id": self.product.id, "price_unit": 500.0}
                        )
                    ],
                }
            )
        within = self._order(contract, 80.0)
        within.with_user(self.salesman).write({"state": "sale"})
        self.assertEqual(within.state, "sale")

    def test_invoice_cap_on_a_plain_state_write(self):
        contract = self._signed_contract(amount_total=100.0)
        invoice = self._invoice(contract, 500.0)
        with self.assertRaisesRegex(UserError, "500.00"):
            invoice.with_user(self.accountant).write({"state": "posted"})
        self.assertEqual(invoice.state, "draft")

    def test_workflow_by_users_without_email(self):
        author = new_test_user(
            self.env,
            login="ic_ct_mute_salesman",
            email=False,
            groups="sales_team.group_sale_salesman,account.group_account_invoice",
        )
        manager = new_test_user(
            self.env,
            login="ic_ct_mute_manager",
            email=False,
            groups="sales_team.group_sale_salesman,"
            "contract_lifecycle.group_contract_manager",
        )
        (author | manager).partner_id.email = False
        contract = self._contract(user=author)
        self._attach(contract)
        contract.with_user(author).action_submit()
        contract.with_user(manager).action_approve()
        self._scan(contract)
        contract.with_user(manager).action_sign()
        self.assertIn(contract.state, ("signed", "active"))
        action = contract.with_user(manager).action_amend()
        amendment = self.env["contract.contract"].browse(action["res_id"])
        self.assertEqual(amendment.version, 2)
        self.assertEqual(amendment.state, "draft")
        contract.with_user(manager).action_terminate("Customer closed")
        self.assertEqual(contract.state, "terminated")
