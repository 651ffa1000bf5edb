import unittest

import odoo
from odoo import Command
from odoo.tests import new_test_user
from odoo.tests.common import TransactionCase

SOD_RULES_OFF = {
    "sod_bill_payment": False,
    "sod_bank_payment": False,
    "sod_po_bill": False,
    "approval_requires_2fa": False,
}


class BrowserCaseMixin:
    """For browser tests (HttpCase, tag ``ic_browser``): they need Odoo's
    HTTP server and Chromium, so ``make test`` runs them with ``odoo-bin
    --test-enable``; pytest-odoo starts no server, so they are skipped
    there. Put it first among the bases."""

    @classmethod
    def setUpClass(cls):
        if odoo.service.server.server is None:
            raise unittest.SkipTest(
                "needs Odoo's HTTP server: run by odoo-bin --test-enable"
            )
        super().setUpClass()


class PhoneLayoutMixin:
    """A browser test in Odoo's phone layout (a small touch screen)."""

    browser_size = "375x667"
    touch_enabled = True


class ApprovalCase(TransactionCase):
    """Users, a customer, a product and helpers; no rule of the database applies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["control.approval.rule"].search([]).active = False
        cls.env["control.anomaly.rule"].sudo().search([]).active = False
        cls.company = cls.env.company
        # The demo data turns the segregation-of-duties transaction rules on:
        # the tests of the other controls run without them (test_sod_* turn
        # them on).
        cls.company.write(SOD_RULES_OFF)
        cls.salesman = new_test_user(
            cls.env,
            login="ic_appr_salesman",
            groups="sales_team.group_sale_salesman_all_leads,account.group_account_invoice",
        )
        cls.sales_manager = new_test_user(
            cls.env,
            login="ic_appr_manager",
            groups="sales_team.group_sale_manager,"
            "sales_internal_control.group_control_user",
        )
        cls.controller = new_test_user(
            cls.env,
            login="ic_appr_controller",
            groups="sales_team.group_sale_manager,"
            "sales_internal_control.group_control_manager",
        )
        cls.emergency = new_test_user(
            cls.env,
            login="ic_appr_emergency",
            groups="sales_team.group_sale_salesman,"
            "sales_internal_control.group_emergency_approver",
        )
        cls.outsider = new_test_user(
            cls.env, login="ic_appr_outsider", groups="sales_team.group_sale_salesman"
        )
        cls.partner = cls.env["res.partner"].create({"name": "Approval Customer"})
        cls.product = cls.env["product.product"].create(
            {"name": "Approval Item", "list_price": 100.0, "invoice_policy": "order"}
        )
        cls.manager_group = cls.env.ref("sales_team.group_sale_manager")
        cls.controller_group = cls.env.ref(
            "sales_internal_control.group_control_manager"
        )

    @classmethod
    def _rule(cls, model="sale.order", tiers=None, **values):
        tiers = tiers or [("Sales manager", cls.manager_group)]
        return cls.env["control.approval.rule"].create(
            dict(
                {
                    "name": f"Rule {model} {values}",
                    "model_name": model,
                    "tier_ids": [
                        Command.create(
                            {
                                "sequence": index,
                                "name": name,
                                "group_id": approver.id
                                if approver._name == "res.groups"
                                else False,
                                "user_id": approver.id
                                if approver._name == "res.users"
                                else False,
                            }
                        )
                        for index, (name, approver) in enumerate(tiers, start=1)
                    ],
                },
                **values,
            )
        )

    def _order(self, price=100.0, discount=0.0, user=None, qty=1):
        return (
            self.env["sale.order"]
            .with_user(user or self.salesman)
            .create(
                {
                    "partner_id": self.partner.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.product.id,
                                "product_uom_qty": qty,
                                "price_unit": price,
                                "discount": discount,
                                "tax_id": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )

    def _logs(self, record, event):
        return self.env["control.log"].search(
            [
                ("res_model", "=", record._name),
                ("res_id", "=", record.id),
                ("event", "=", event),
            ]
        )


class DocumentCase(ApprovalCase):
    """Purchase, accounting and billing users, a vendor, document helpers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.buyer = new_test_user(
            cls.env, login="ic_appr_buyer", groups="purchase.group_purchase_user"
        )
        cls.purchase_manager = new_test_user(
            cls.env, login="ic_appr_pmanager", groups="purchase.group_purchase_manager"
        )
        cls.accountant = new_test_user(
            cls.env, login="ic_appr_accountant", groups="account.group_account_manager"
        )
        cls.billing = new_test_user(
            cls.env, login="ic_appr_billing", groups="account.group_account_invoice"
        )
        cls.vendor = cls.env["res.partner"].create({"name": "Approval Vendor"})

    def _purchase(self, price):
        return (
            self.env["purchase.order"]
            .with_user(self.buyer)
            .create(
                {
                    "partner_id": self.vendor.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.product.id,
                                "product_qty": 1,
                                "price_unit": price,
                                "taxes_id": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )

    def _move(self, move_type, partner, price):
        return (
            self.env["account.move"]
            .with_user(self.billing)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "invoice_date": "2026-11-01",
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Service",
                                "quantity": 1,
                                "price_unit": price,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )

    def _payment(self, amount):
        """A draft outbound payment to the vendor, by the billing user."""
        return (
            self.env["account.payment"]
            .with_user(self.billing)
            .create(
                {
                    "payment_type": "outbound",
                    "partner_type": "supplier",
                    "partner_id": self.vendor.id,
                    "amount": amount,
                }
            )
        )
