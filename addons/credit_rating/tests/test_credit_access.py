import base64
import io

import openpyxl
from lxml import etree

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import CreditCommon

EXPOSURE_FIELDS = (
    "credit_exposure",
    "credit_available",
    "credit_overdue_amount",
    "credit_receivable_amount",
    "credit_order_amount",
    "credit_draft_invoice_amount",
)
DRILL_DOWN_BUTTONS = (
    "action_view_credit_receivables",
    "action_view_credit_orders",
    "action_view_credit_draft_invoices",
    "action_view_credit_overdue",
)


@tagged("post_install", "-at_install")
class TestCreditAccess(CreditCommon):
    """Who reads the exposure figures, and whose customers the export lists."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Credit Access B"})
        cls.plain_salesman = new_test_user(
            cls.env,
            login="credit_access_salesman",
            groups="sales_team.group_sale_salesman",
        )
        cls.billing = new_test_user(
            cls.env,
            login="credit_access_billing",
            groups="account.group_account_invoice",
        )
        cls.controller_ab = new_test_user(
            cls.env,
            login="credit_access_controller_ab",
            groups="credit_rating.group_credit_controller",
            company_id=cls.company.id,
            company_ids=[Command.set((cls.company | cls.company_b).ids)],
        )
        cls.customer_a, cls.customer_b = cls.env["res.partner"].create(
            [
                {
                    "name": f"Export Customer {company.name}",
                    "is_company": True,
                    "customer_rank": 1,
                    "company_id": company.id,
                }
                for company in (cls.company, cls.company_b)
            ]
        )
        cls.customer.customer_rank = 1
        cls.ours = cls.customer | cls.customer_a | cls.customer_b

    def _exported_names(self, partners):
        action = partners._credit_export_xlsx()
        attachment_id = int(action["url"].split("/web/content/")[1].split("?")[0])
        attachment = self.env["ir.attachment"].browse(attachment_id)
        sheet = openpyxl.load_workbook(
            io.BytesIO(base64.b64decode(attachment.datas))
        ).active
        names = {row[0] for row in sheet.iter_rows(values_only=True)}
        return names & set(self.ours.mapped("name"))

    # ---------------------------------------------------------- item 12: export
    def test_export_lists_the_allowed_companies_customers(self):
        partners = self.env["res.partner"].with_user(self.controller)
        self.assertEqual(
            self._exported_names(partners), {self.customer.name, self.customer_a.name}
        )
        # A user of both companies, working in the first one only.
        partners = (
            self.env["res.partner"]
            .with_user(self.controller_ab)
            .with_context(allowed_company_ids=self.company.ids)
        )
        self.assertEqual(
            self._exported_names(partners), {self.customer.name, self.customer_a.name}
        )
        partners = partners.with_context(
            allowed_company_ids=(self.company | self.company_b).ids
        )
        self.assertEqual(self._exported_names(partners), set(self.ours.mapped("name")))

    def test_export_of_another_company_customer_refused(self):
        with self.assertRaises(AccessError):
            self.customer_b.with_user(self.controller)._credit_export_xlsx()
        with self.assertRaises(AccessError):
            self.customer_b.with_user(self.controller)._credit_export_rows()

    def test_export_for_credit_controllers_only(self):
        for user in (self.plain_salesman, self.billing):
            with self.assertRaises(AccessError):
                self.env["res.partner"].with_user(user)._credit_export_xlsx()
            with self.assertRaises(AccessError):
                self.env["res.partner"].with_user(user)._credit_export_rows()
        action = self.env.ref("credit_rating.res_partner_action_credit_export")
        with self.assertRaises(AccessError):
            action.with_user(self.plain_salesman).run()
        result = action.with_user(self.controller).run()
        self.assertEqual(result["type"], "ir.actions.act_url")

    # ---------------------------------------------------- item 13: the figures
    def test_exposure_fields_hidden_from_salesmen(self):
        self._order(amount=600.0).action_confirm()
        for name in EXPOSURE_FIELDS:
            with self.assertRaises(AccessError):
                self.customer.with_user(self.plain_salesman).read([name])
        # Odoo's own groups (as on credit and credit_limit), and credit controllers.
        for user in (self.billing, self.controller):
            values = self.customer.with_user(user).read(list(EXPOSURE_FIELDS))[0]
            self.assertAlmostEqual(values["credit_exposure"], 600.0)
            self.assertAlmostEqual(values["credit_order_amount"], 600.0)
            self.assertAlmostEqual(values["credit_available"], 400.0)
        self.assertEqual(
            self.env["res.partner"]._fields["credit_exposure"].groups,
            self.env["res.partner"]._fields["credit_limit"].groups
            + ",credit_rating.group_credit_controller",
        )

    def test_partner_form_of_a_salesman_shows_no_figures(self):
        def arch_names(user):
            views = self.env["res.partner"].with_user(user).get_views([(False, "form")])
            arch = etree.fromstring(views["views"]["form"]["arch"])
            return {node.get("name") for node in arch.iter("field", "button")} | {
                node.get("for") for node in arch.iter("label")
            }

        shown = arch_names(self.plain_salesman)
        self.assertIn("credit_grade", shown)
        self.assertFalse(shown & set(EXPOSURE_FIELDS + DRILL_DOWN_BUTTONS))
        shown = arch_names(self.controller)
        self.assertEqual(
            shown & set(EXPOSURE_FIELDS + DRILL_DOWN_BUTTONS),
            set(EXPOSURE_FIELDS + DRILL_DOWN_BUTTONS),
        )

    def test_refusal_message_keeps_the_figures_for_a_salesman(self):
        self._order(amount=600.0).action_confirm()
        order = self._order(amount=500.0, user=self.plain_salesman)
        with self.assertRaises(UserError) as cm:
            order.with_user(self.plain_salesman).action_confirm()
        message = str(cm.exception)
        for text in ("600.00", "500.00", "1,100.00", "1,000.00", "100.00"):
            self.assertIn(text, message)
        self.assertEqual(order.state, "draft")

    def test_export_grade_colours_and_total(self):
        self.customer_a.sudo().credit_grade = "D"
        self._invoice(self.customer_a, 120.0, fields.Date.today())
        action = (
            (self.customer_a | self.customer)
            .with_user(self.controller)
            ._credit_export_xlsx()
        )
        attachment = self.env["ir.attachment"].browse(
            int(action["url"].split("/web/content/")[1].split("?")[0])
        )
        content = base64.b64decode(attachment.datas)
        sheet = openpyxl.load_workbook(io.BytesIO(content), data_only=True).active
        rows = {row[0].value: row for row in sheet.iter_rows(min_row=5)}
        self.assertEqual(rows[self.customer_a.name][2].fill.fgColor.rgb, "FFFFC7CE")
        self.assertEqual(rows[self.customer_a.name][3].number_format, "0")
        total = rows["Total"]
        self.assertEqual(total[7].value, 120.0)  # open receivables
        self.assertIsNone(total[3].value)  # no sum of scores
        self.assertIsNone(total[12].value)  # nor of the available headroom
