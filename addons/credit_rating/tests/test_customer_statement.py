from unittest.mock import patch

from odoo.addons.base.models import ir_actions_report
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tests.common import new_test_user

from .common_dunning import DunningCommon

REPORT = "credit_rating.action_report_customer_statement"


@tagged("post_install", "-at_install")
class TestCustomerStatement(DunningCommon):
    def _html(self, partners, user=None):
        Report = self.env["ir.actions.report"]
        if user:
            Report = Report.with_user(user)
        html, _format = Report._render_qweb_html(REPORT, partners.ids)
        return html.decode() if isinstance(html, bytes) else str(html)

    def test_mail_carries_statement(self):
        invoice = self._overdue(5, 250.0)
        self._run()
        dunning = self._dunnings()
        mail = self._mails(dunning)
        self.assertEqual(len(mail), 1)
        self.assertEqual(
            len(mail.attachment_ids), 1, mail.attachment_ids.mapped("name")
        )
        attachment = mail.attachment_ids
        self.assertTrue(
            attachment.name.startswith("Customer Statement - Credit Customer Ltd.")
        )
        # Under tests Odoo renders the report as HTML instead of PDF.
        self.assertIn(invoice.name, attachment.raw.decode())
        # The statement is the dunning's (kept with the history once the
        # mail is sent and deleted).
        self.assertEqual(attachment.res_model, "credit.dunning")
        self.assertEqual(attachment.res_id, dunning.id)
        self.assertEqual(mail.mail_message_id.attachment_ids, attachment)
        self.assertFalse(dunning.statement_note)

    def test_level_without_statement(self):
        self.level_1.attach_statement = False
        other = self.env["res.partner"].create(
            {"name": "Second Late Ltd", "email": "ap@second-late.example.com"}
        )
        self._overdue(5, 250.0)
        self._overdue(20, 80.0, partner=other)
        summary = self._run(self.customer | other)
        self.assertEqual(summary["sent"], 2)
        # The first level: no statement.
        dunning = self._dunnings()
        self.assertEqual(dunning.level_id, self.level_1)
        mail = self._mails(dunning)
        self.assertEqual(len(mail), 1)
        self.assertFalse(mail.attachment_ids)
        self.assertFalse(dunning.statement_note)
        # The second level (same batch, same template run): attached.
        dunning = self._dunnings(other)
        self.assertEqual(dunning.level_id, self.level_2)
        attachment = self._mails(dunning).attachment_ids
        self.assertEqual(len(attachment), 1)
        self.assertIn("Second Late Ltd", attachment.name)

    def test_without_pdf_engine(self):
        self._overdue(5, 250.0)
        with (
            patch.object(ir_actions_report, "wkhtmltopdf_state", "install"),
            self.assertLogs(
                "odoo.addons.credit_rating.models.credit_dunning", "WARNING"
            ) as logs,
        ):
            summary = self._run()
        self.assertEqual(summary["sent"], 1)
        dunning = self._dunnings()
        self.assertEqual(dunning.state, "sent")
        mail = self._mails(dunning)
        self.assertEqual(len(mail), 1)
        self.assertFalse(mail.attachment_ids)
        self.assertIn("wkhtmltopdf", dunning.statement_note)
        self.assertIn("Credit Customer Ltd", logs.output[0])

    def test_report_content_netted(self):
        old = self._overdue(40, 300.0)
        recent = self._overdue(10, 200.0)
        not_due = self._invoice(
            self.customer,
            50.0,
            self.today,
            due_date=self.today.replace(year=self.today.year + 1),
        )
        refund = self._refund(120.0)
        html = self._html(self.customer)
        for text in (old.name, recent.name, not_due.name, "Customer Statement"):
            self.assertIn(text, html)
        self.assertNotIn(refund.name, html)
        data = self.env[
            "report.credit_rating.report_customer_statement"
        ]._get_report_values(self.customer.ids)["statements"][self.customer.id]
        # The credit note pays the oldest invoice first.
        self.assertAlmostEqual(data["credits"], -120.0)
        self.assertAlmostEqual(data["open"], 430.0)
        self.assertAlmostEqual(data["overdue"], 380.0)
        lines = {line["number"]: line for line in data["lines"]}
        self.assertAlmostEqual(lines[old.name]["open_amount"], 180.0)
        self.assertAlmostEqual(lines[old.name]["residual"], 300.0)
        self.assertAlmostEqual(lines[old.name]["original"], 300.0)
        self.assertEqual(lines[old.name]["days_late"], 40)
        self.assertEqual(lines[not_due.name]["days_late"], 0)
        # The same totals as the dunning and the exposure.
        exposure = self.customer.sudo()._credit_exposure_data()[self.customer.id]
        self.assertAlmostEqual(exposure["receivable"], data["open"])
        for amount in ("430.00", "380.00", "120.00", "180.00"):
            self.assertIn(amount, html)

    def test_credits_beyond_items(self):
        self._overdue(10, 100.0)
        self._refund(150.0)
        data = self.env[
            "report.credit_rating.report_customer_statement"
        ]._get_report_values(self.customer.ids)["statements"][self.customer.id]
        self.assertAlmostEqual(data["open"], -50.0)
        self.assertAlmostEqual(data["overdue"], 0.0)
        self.assertAlmostEqual(data["credits"], -150.0)
        self.assertEqual(data["lines"][0]["days_late"], 0)

    def test_rights(self):
        report = self.env.ref(REPORT)
        # Printable from the customer form (Print menu).
        self.assertEqual(report.binding_model_id.model, "res.partner")
        self.assertEqual(report.binding_type, "report")
        self._overdue(10, 100.0)
        # A credit controller prints its company's customer.
        self.assertIn("Credit Customer Ltd", self._html(self.customer, self.controller))
        # A salesman without accounting rights does not.
        with self.assertRaises(AccessError):
            self._html(self.customer, self.salesman)
        self.assertFalse(self.salesman.groups_id & self.env.ref(REPORT).groups_id)
        # Nor does a controller another company's customer.
        company_2 = self.env["res.company"].create({"name": "Statement Second Co"})
        other = self.env["res.partner"].create(
            {"name": "Other Co Customer", "company_id": company_2.id}
        )
        with self.assertRaises(AccessError):
            self._html(other, self.controller)
        billing = new_test_user(
            self.env,
            login="statement_billing",
            groups="account.group_account_invoice",
            company_id=self.company.id,
        )
        self.assertIn("Credit Customer Ltd", self._html(self.customer, billing))

    def test_zh_cn_statement(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["credit_rating"], ["zh_CN"], overwrite=True
        )
        self.customer.lang = "zh_CN"
        self._overdue(5, 250.0)
        self._run()
        attachment = self._mails(self._dunnings()).attachment_ids
        self.assertEqual(len(attachment), 1)
        self.assertTrue(attachment.name.startswith("客户对账单 - Credit Customer Ltd."))
        html = attachment.raw.decode()
        for text in ("客户对账单", "逾期合计", "逾期天数", "原始金额"):
            self.assertIn(text, html)
