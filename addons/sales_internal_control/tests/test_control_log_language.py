from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged
from odoo.tools.translate import LazyTranslate

from .common import ApprovalCase

_lt = LazyTranslate(__name__)


@tagged("post_install", "-at_install")
class TestControlLogLanguage(ApprovalCase):
    """Log lines keep their facts and read in the reader's language; a block
    after the last tier is one line, under the approver."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Messages are code translations, read from the module's zh_CN.po:
        # the language only has to be active (no terms loaded).
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.company.invoice_requires_sale_order = True
        cls.zh_billing = new_test_user(
            cls.env,
            login="ic_lang_zh_billing",
            groups="account.group_account_invoice",
            lang="zh_CN",
        )
        cls.en_billing = new_test_user(
            cls.env,
            login="ic_lang_en_billing",
            groups="account.group_account_invoice",
            lang="en_US",
        )
        cls.customer = cls.env["res.partner"].create({"name": "Lang Customer"})

    def _invoice(self, user):
        return (
            self.env["account.move"]
            .with_user(user)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Service", "quantity": 1, "price_unit": 40.0}
                        )
                    ],
                }
            )
        )

    def _post_refused(self, invoice, user):
        # Not assertRaises: its savepoint would roll the block's line back.
        try:
            invoice.with_user(user).with_context(lang=user.lang).action_post()
        except UserError as error:
            return str(error)
        self.fail(f"{invoice.display_name} was posted")

    def test_zh_line_reads_in_english_and_back(self):
        invoice = self._invoice(self.zh_billing)
        error = self._post_refused(invoice, self.zh_billing)
        self.assertIn("无法过账", error)
        line = self._logs(invoice, "blocked")
        self.assertEqual(len(line), 1)
        self.assertEqual(line.user_id, self.zh_billing)
        self.assertEqual(line.message_text, error)
        english = line.with_context(lang="en_US").message
        chinese = line.with_context(lang="zh_CN").message
        self.assertIn("cannot be posted", english)
        self.assertNotIn("无法过账", english)
        self.assertEqual(chinese, error)
        # The facts are the same in both languages.
        self.assertEqual(line.message_params["partner"], "Lang Customer")
        for text in (english, chinese):
            self.assertIn("Lang Customer", text)
            self.assertIn(line.message_params["amount"], text)
        self.assertEqual(line.amount, 40.0)
        # The export is in the exporter's language.
        rows = line.with_context(lang="en_US")._xlsx_rows()
        self.assertEqual(rows[0][8], english)
        self.assertEqual(rows[0][1], "Blocked")
        # Searching the message searches the text as written.
        Log = self.env["control.log"]
        self.assertIn(line, Log.search([("message", "ilike", "无法过账")]))

    def test_english_line_reads_in_chinese(self):
        invoice = self._invoice(self.en_billing)
        error = self._post_refused(invoice, self.en_billing)
        line = self._logs(invoice, "blocked")
        self.assertEqual(line.with_context(lang="en_US").message, error)
        chinese = line.with_context(lang="zh_CN").message
        self.assertIn("无法过账", chinese)
        self.assertIn("Lang Customer", chinese)

    def test_plain_and_nested_messages(self):
        Log = self.env["control.log"]
        plain = Log._log("blocked", self.customer, "Written before templates")
        self.assertFalse(plain.message_source)
        for lang in ("en_US", "zh_CN"):
            self.assertEqual(
                plain.with_context(lang=lang).message, "Written before templates"
            )
        # A create given "message" (as other modules' code does) keeps it.
        direct = Log.sudo().create(
            {
                "event": "override",
                "res_model": "res.partner",
                "res_id": self.customer.id,
                "message": "Direct",
            }
        )
        self.assertEqual(direct.message, "Direct")
        # A lazy text nested in another is translated for the reader too.
        inner = Log._text(
            _lt("Approved, but the action could not be completed: %(error)s", error="x")
        )
        nested = Log._log(
            "blocked",
            self.customer,
            _lt("%(decision)s %(comment)s", decision=inner, comment="!"),
        )
        self.assertEqual(
            nested.with_context(lang="en_US").message,
            "Approved, but the action could not be completed: x !",
        )
        self.assertNotIn("Approved", nested.with_context(lang="zh_CN").message)
        with self.assertRaises(UserError):
            nested.sudo().write({"message_params": {"error": "tampered"}})

    def test_amount_not_summed(self):
        self.assertFalse(
            self.env["control.log"].fields_get(["amount"])["amount"].get("aggregator")
        )

    def test_export_wizard_models(self):
        Log = self.env["control.log"]
        Log._log("blocked", self.customer, "For the wizard")
        Log._log("approved", self.env.user, "Other model")
        wizard = self.env["control.log.export"].create({})
        self.assertIn("res.partner", wizard.available_model_ids.mapped("model"))
        wizard.model_id = self.env["ir.model"]._get("res.partner")
        lines = Log.search(wizard._get_domain())
        self.assertTrue(lines)
        self.assertEqual(set(lines.mapped("res_model")), {"res.partner"})

    def test_block_after_last_tier_logged_once_under_approver(self):
        self.company.control_approval_invoice = True
        self._rule(model="account.move", amount_min=10.0)
        invoice = self._invoice(self.en_billing)
        invoice.with_user(self.en_billing).action_post()
        self.assertEqual(invoice.approval_state, "pending")
        request = invoice.approval_request_ids
        request.with_user(self.sales_manager).action_approve()
        self.assertEqual(invoice.approval_state, "approved")
        self.assertEqual(invoice.state, "draft")
        blocked = self._logs(invoice, "blocked")
        self.assertEqual(len(blocked), 1)
        self.assertEqual(blocked.user_id, self.sales_manager)
        self.assertIn("Approved, but", blocked.message)
        self.assertIn("cannot be posted", blocked.message)
        self.assertIn("无法过账", blocked.with_context(lang="zh_CN").message)
        # The blocking control's line (its amount), not a second one.
        self.assertEqual(blocked.amount, 40.0)

    def test_collected_lines_not_written_apart(self):
        Log = self.env["control.log"]
        with Log._collect_detached() as blocks:
            self.assertFalse(Log._log_detached("blocked", self.customer, "Collected"))
        self.assertEqual(len(blocks), 1)
        self.assertFalse(Log.search([("message", "=", "Collected")]))

    def test_tier_name_in_reader_language(self):
        rule = self._rule(tiers=[("Sales manager", self.manager_group)], amount_min=1.0)
        rule.tier_ids.update_field_translations("name", {"zh_CN": "销售经理"})
        order = self._order(price=500.0)
        order.action_confirm()
        request = order.approval_request_ids
        self.assertEqual(request.tier_name, "Sales manager")
        self.assertEqual(request.with_context(lang="zh_CN").tier_name, "销售经理")
        # Renaming the rule's tier later does not rewrite the request.
        rule.tier_ids.name = "Renamed"
        request.invalidate_recordset()
        self.assertEqual(request.tier_name, "Sales manager")
