from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged
from odoo.tests.common import TransactionCase


@tagged("post_install", "-at_install")
class TestTranslation(TransactionCase):
    """The zh_CN translation loads and reaches users (menus and messages)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(
            ["sales_internal_control"], ["zh_CN"], overwrite=True
        )
        cls.user = new_test_user(
            cls.env,
            login="ic_zh_billing",
            groups="account.group_account_invoice",
            lang="zh_CN",
        )

    def test_menu_translated(self):
        menu = self.env.ref("sales_internal_control.menu_internal_control_root")
        self.assertEqual(menu.with_context(lang="zh_CN").name, "内部控制")

    def test_block_message_translated(self):
        self.env.company.invoice_requires_sale_order = True
        partner = self.env["res.partner"].create({"name": "Zh Customer"})
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_line_ids": [
                    (0, 0, {"name": "Service", "quantity": 1, "price_unit": 10})
                ],
            }
        )
        with self.assertRaisesRegex(
            UserError, "无法过账.*Zh Customer|Zh Customer.*无法过账"
        ):
            invoice.with_user(self.user).with_context(lang="zh_CN").action_post()
