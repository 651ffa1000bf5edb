import contextlib
import io
from unittest.mock import patch

from odoo.addons.base.models import ir_actions_report
from odoo.addons.credit_rating.report import customer_statement
from odoo.tests import tagged
from odoo.tools.pdf import PdfFileReader

from .common_dunning import DunningCommon


@tagged("post_install", "-at_install")
class TestStatementBatch(DunningCommon):
    """The customer statements of a run's batch in one PDF engine run, cut
    per customer, or left to the mail queue; real PDFs (wkhtmltopdf)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = cls.env["res.partner"].create(
            {"name": "Zeta Late Trading", "email": "ap@zeta-late.example.com"}
        )
        cls.third = cls.env["res.partner"].create(
            {"name": "Omega Slow Payer", "email": "ap@omega-slow.example.com"}
        )

    def _late_customers(self):
        """Three customers, each with its own overdue invoice."""
        return {
            self.customer: self._overdue(5, 250.0),
            self.other: self._overdue(20, 80.0, partner=self.other),
            self.third: self._overdue(65, 42.0, partner=self.third),
        }

    def _all_dunnings(self, partners):
        return self.env["credit.dunning"].search([("partner_id", "in", partners.ids)])

    def _engine_runs(self):
        Report = type(self.env["ir.actions.report"])
        return patch.object(
            Report,
            "_run_wkhtmltopdf",
            autospec=True,
            side_effect=Report._run_wkhtmltopdf,
        )

    @contextlib.contextmanager
    def _smtp(self):
        """The SMTP server: the messages handed to it (nothing leaves)."""
        MailServer = type(self.env["ir.mail_server"])
        with (
            patch.object(MailServer, "connect", autospec=True, return_value=None),
            patch.object(
                MailServer,
                "send_email",
                autospec=True,
                side_effect=lambda _self, message, *args, **kwargs: message[
                    "Message-Id"
                ],
            ) as sent,
        ):
            yield sent

    def _text(self, content):
        reader = PdfFileReader(io.BytesIO(content))
        for page in reader.pages:
            annotations = page.get("/Annots")
            for annotation in annotations.get_object() if annotations else []:
                uri = annotation.get_object().get("/A", {}).get("/URI", "")
                self.assertNotIn(customer_statement.MARKER, str(uri))
        return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)

    def _check_own_statement(self, late, partner, content):
        """The statement of ``partner`` and nobody else's."""
        text = self._text(content)
        self.assertIn(partner.name, text)
        self.assertIn(late[partner].name, text)
        for other, invoice in late.items():
            if other != partner:
                self.assertNotIn(other.name, text)
                self.assertNotIn(invoice.name, text)

    def test_batch_in_run_each_its_own(self):
        late = self._late_customers()
        with self._engine_runs() as runs:
            summary = self._run(
                (self.customer | self.other | self.third).with_context(
                    force_report_rendering=True
                )
            )
        self.assertEqual(summary["sent"], 3)
        # One PDF engine run for the batch's three statements.
        self.assertEqual(runs.call_count, 1)
        for partner in late:
            dunning = self._dunnings(partner)
            mail = self._mails(dunning)
            self.assertEqual(len(mail), 1)
            attachment = mail.attachment_ids
            self.assertEqual(len(attachment), 1)
            self.assertEqual(
                attachment.name, f"Customer Statement - {partner.name}.pdf"
            )
            self.assertEqual(attachment.mimetype, "application/pdf")
            self.assertEqual(
                (attachment.res_model, attachment.res_id),
                ("credit.dunning", dunning.id),
            )
            self.assertFalse(dunning.statement_note)
            self.assertFalse(dunning.statement_pending)
            self._check_own_statement(late, partner, attachment.raw)

    def test_deferred_to_mail_queue(self):
        late = self._late_customers()
        partners = self.customer | self.other | self.third
        summary = (
            self.env["res.partner"]
            .with_context(force_report_rendering=True)
            ._dunning_run(self.company, partners, defer_statements=True)
        )
        self.assertEqual(summary["sent"], 3)
        dunnings = self._all_dunnings(partners)
        self.assertEqual(len(dunnings), 3)
        self.assertTrue(all(dunnings.mapped("statement_pending")))
        mails = self._mails(dunnings)
        self.assertEqual(len(mails), 3)
        self.assertFalse(mails.attachment_ids)
        # The queue sends them: the statements go with the mails, each to
        # its customer, rendered in one engine run.
        with self._engine_runs() as runs, self._smtp() as sent:
            mails.with_context(force_report_rendering=True).send()
        self.assertEqual(runs.call_count, 1)
        by_address = {}
        for call in sent.call_args_list:
            message = call.args[1]
            by_address[message["To"]] = [
                (part.get_filename(), part.get_payload(decode=True))
                for part in message.iter_attachments()
            ]
        self.assertEqual(len(by_address), 3)
        for partner in late:
            [attachments] = [
                value for to, value in by_address.items() if partner.email in to
            ]
            self.assertEqual(
                [name for name, _content in attachments],
                [f"Customer Statement - {partner.name}.pdf"],
            )
            self._check_own_statement(late, partner, attachments[0][1])
        self.assertFalse(any(dunnings.mapped("statement_pending")))
        self.assertEqual(set(dunnings.mapped("state")), {"sent"})
        # Kept on the communications once the mails are gone.
        attachments = self.env["ir.attachment"].search(
            [("res_model", "=", "credit.dunning"), ("res_id", "in", dunnings.ids)]
        )
        self.assertEqual(sorted(attachments.mapped("res_id")), sorted(dunnings.ids))

    def test_batch_failure_falls_back_per_statement(self):
        """The one-document rendering fails (here: the several-documents
        rendering of Odoo asked of an engine that cannot): each statement is
        rendered alone, still each in its own mail."""
        late = self._late_customers()
        del late[self.third]
        with (
            patch.object(
                customer_statement, "_engine_takes_several_documents", lambda: True
            ),
            self.assertLogs(customer_statement.__name__, "ERROR"),
            self._engine_runs() as runs,
        ):
            summary = self._run(
                (self.customer | self.other).with_context(force_report_rendering=True)
            )
        self.assertEqual(summary["sent"], 2)
        # The failed batch run, then one per statement.
        self.assertEqual(runs.call_count, 3)
        for partner in late:
            attachment = self._mails(self._dunnings(partner)).attachment_ids
            self.assertEqual(len(attachment), 1)
            self._check_own_statement(late, partner, attachment.raw)

    def test_engine_failure_keeps_mails_and_state(self):
        """An engine that renders nothing: the mails leave without the
        statement, the run's state is kept, the dunnings say why."""
        self._late_customers()
        partners = self.customer | self.other | self.third
        with (
            patch.object(ir_actions_report, "_get_wkhtmltopdf_bin", lambda: "false"),
            self.assertLogs("odoo.addons.credit_rating", "WARNING") as logs,
        ):
            summary = (
                self.env["res.partner"]
                .with_context(force_report_rendering=True)
                ._dunning_run(self.company, partners, defer_statements=True)
            )
            self.assertEqual(summary["sent"], 3)
            mails = self._mails(self._all_dunnings(partners))
            with self._smtp() as sent:
                mails.with_context(force_report_rendering=True).send()
        self.assertEqual(sent.call_count, 3)
        dunnings = self._all_dunnings(partners)
        self.assertEqual(set(dunnings.mapped("state")), {"sent"})
        self.assertEqual(len(dunnings.level_id), 3)
        self.assertTrue(self.third.credit_hold)
        self.assertFalse(any(dunnings.mapped("statement_pending")))
        for dunning in dunnings:
            self.assertIn("no document", dunning.statement_note)
        self.assertFalse(
            self.env["ir.attachment"].search_count(
                [("res_model", "=", "credit.dunning"), ("res_id", "in", dunnings.ids)]
            )
        )
        # Sent (the queue deletes sent mails of auto-deleting templates).
        self.assertFalse(mails.exists().filtered(lambda m: m.state != "sent"))
        self.assertTrue(any("not attached" in line for line in logs.output))
