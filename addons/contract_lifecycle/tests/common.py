from contextlib import contextmanager
from datetime import date

from odoo import Command
from odoo.addons.sales_internal_control.tests.common import SOD_RULES_OFF
from odoo.tests import new_test_user
from odoo.tests.common import TransactionCase


class ContractCase(TransactionCase):
    """Users, a customer, a product and helpers; no demo data is relied on.

    The clock is frozen on 2026-03-01, inside the default contract period.
    """

    freeze_time = "2026-03-01 10:00:00"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["control.approval.rule"].search([]).active = False
        cls.env["control.anomaly.rule"].sudo().search([]).active = False
        cls.company = cls.env.company
        cls.company.contract_invoice_tolerance_pct = 0.0
        cls.company.invoice_requires_sale_order = False
        cls.company.write(SOD_RULES_OFF)
        cls.currency = cls.company.currency_id
        cls.salesman = new_test_user(
            cls.env,
            login="ic_ct_salesman",
            groups="sales_team.group_sale_salesman,account.group_account_invoice",
        )
        cls.manager = new_test_user(
            cls.env,
            login="ic_ct_manager",
            groups="sales_team.group_sale_salesman,"
            "contract_lifecycle.group_contract_manager",
        )
        cls.manager2 = new_test_user(
            cls.env,
            login="ic_ct_manager2",
            groups="sales_team.group_sale_salesman,"
            "contract_lifecycle.group_contract_manager",
        )
        cls.accountant = new_test_user(
            cls.env,
            login="ic_ct_accountant",
            groups="account.group_account_invoice",
        )
        cls.partner = cls.env["res.partner"].create(
            {"name": "Contract Customer", "is_company": True}
        )
        cls.contact = cls.env["res.partner"].create(
            {"name": "Contract Contact", "parent_id": cls.partner.id}
        )
        cls.other_partner = cls.env["res.partner"].create({"name": "Other Customer"})
        cls.product = cls.env["product.product"].create(
            {
                "name": "Contract Service",
                "list_price": 100.0,
                "invoice_policy": "order",
                "taxes_id": [Command.clear()],
                "supplier_taxes_id": [Command.clear()],
            }
        )

    @classmethod
    def _contract(cls, user=None, **values):
        vals = {
            "partner_id": cls.partner.id,
            "contract_type": "sale",
            "amount_total": 1000.0,
            "date_start": date(2026, 1, 1),
            "date_end": date(2026, 12, 31),
        }
        vals.update(values)
        return cls.env["contract.contract"].with_user(user or cls.salesman).create(vals)

    @classmethod
    def _attach(cls, contract):
        cls.env["ir.attachment"].create(
            {
                "name": "qualification.pdf",
                "raw": b"%PDF-1.4 qualification",
                "res_model": "contract.contract",
                "res_id": contract.id,
            }
        )

    @classmethod
    def _scan(cls, contract):
        """The scanned copy signed on paper, attached after the approval."""
        return cls.env["ir.attachment"].create(
            {
                "name": "signed-scan.pdf",
                "raw": b"%PDF-1.4 signed on paper " + str(contract.id).encode(),
                "res_model": "contract.contract",
                "res_id": contract.id,
            }
        )

    @classmethod
    def _signed_contract(cls, **values):
        """A signed contract (created by the salesman, approved by a manager)."""
        contract = cls._contract(**values)
        if contract.contract_type == "sale":
            cls._attach(contract)
        contract.action_submit()
        contract.with_user(cls.manager).action_approve()
        cls._scan(contract)
        contract.with_user(cls.manager).action_sign()
        return contract.with_user(cls.salesman)

    @classmethod
    def _invoice(cls, contract, price, move_type="out_invoice", partner=None, **vals):
        values = {
            "move_type": move_type,
            "partner_id": (partner or contract.partner_id).id,
            "contract_id": contract.id,
            "invoice_date": date(2026, 3, 1),
            "currency_id": contract.currency_id.id,
            "invoice_line_ids": [
                Command.create(
                    {
                        "product_id": cls.product.id,
                        "quantity": 1,
                        "price_unit": price,
                        "tax_ids": [Command.clear()],
                    }
                )
            ],
        }
        values.update(vals)
        return cls.env["account.move"].create(values)

    @contextmanager
    def _refused(self, exception, pattern):
        """Like ``assertRaisesRegex``, but in a savepoint (Odoo's
        ``assertRaises``): what the refused call wrote is rolled back."""
        with self.assertRaises(exception) as caught:
            yield caught
        self.assertRegex(str(caught.exception), pattern)

    def _blocked_logs(self, record):
        return self.env["control.log"].search(
            [
                ("event", "=", "blocked"),
                ("res_model", "=", record._name),
                ("res_id", "=", record.id),
            ]
        )
