from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged
from odoo.tests.common import TransactionCase


@tagged("post_install", "-at_install")
class TestInvoiceRequiresSaleOrder(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.invoice_requires_sale_order = True
        cls.billing = new_test_user(
            cls.env,
            login="ic_inv_billing",
            groups="account.group_account_invoice,sales_team.group_sale_salesman",
        )
        cls.accountant = new_test_user(
            cls.env, login="ic_inv_manager", groups="account.group_account_manager"
        )
        cls.partner = cls.env["res.partner"].create({"name": "Invoice Customer"})
        cls.product = cls.env["product.product"].create(
            {"name": "Invoiced Item", "invoice_policy": "order", "list_price": 80}
        )

    def _manual_invoice(self, move_type="out_invoice"):
        return self.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": self.partner.id,
                "invoice_line_ids": [
                    (0, 0, {"name": "Consulting", "quantity": 2, "price_unit": 60})
                ],
            }
        )

    def test_manual_invoice_blocked_and_logged(self):
        invoice = self._manual_invoice()
        try:
            invoice.with_user(self.billing).action_post()
        except UserError as error:
            message = str(error)
        else:
            self.fail("A manual customer invoice was posted")
        self.assertIn("Invoice Customer", message)
        self.assertIn("120.00", message)
        self.assertIn("Consulting", message)
        self.assertEqual(invoice.state, "draft")
        log = self.env["control.log"].search(
            [("res_model", "=", "account.move"), ("res_id", "=", invoice.id)]
        )
        self.assertEqual(log.event, "blocked")

    def test_invoice_from_confirmed_order_posts(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                "order_line": [
                    (0, 0, {"product_id": self.product.id, "product_uom_qty": 1})
                ],
            }
        )
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        invoice = order._create_invoices()
        invoice.with_user(self.billing).action_post()
        self.assertEqual(invoice.state, "posted")

    def test_extra_manual_line_on_order_invoice_blocked(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                "order_line": [
                    (0, 0, {"product_id": self.product.id, "product_uom_qty": 1})
                ],
            }
        )
        order.action_confirm()
        invoice = order._create_invoices()
        invoice.invoice_line_ids = [
            (0, 0, {"name": "Unordered extra", "quantity": 1, "price_unit": 5})
        ]
        with self.assertRaisesRegex(UserError, "Unordered extra"):
            invoice.with_user(self.billing).action_post()
        self.assertEqual(invoice.state, "draft")

    def test_accounting_manager_may_post(self):
        invoice = self._manual_invoice()
        invoice.with_user(self.accountant).action_post()
        self.assertEqual(invoice.state, "posted")

    def test_refunds_and_disabled_setting_pass(self):
        refund = self._manual_invoice("out_refund")
        refund.with_user(self.billing).action_post()
        self.assertEqual(refund.state, "posted")
        self.env.company.invoice_requires_sale_order = False
        invoice = self._manual_invoice()
        invoice.with_user(self.billing).action_post()
        self.assertEqual(invoice.state, "posted")
