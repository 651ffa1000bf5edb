import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError

_logger = logging.getLogger(__name__)


class CreditDunning(models.Model):
    """One communication of the dunning to a customer (history, never edited)."""

    _name = "credit.dunning"
    _description = "Dunning Communication"
    _order = "date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    level_id = fields.Many2one(
        "credit.dunning.level",
        required=True,
        readonly=True,
        check_company=True,
    )
    date = fields.Date(required=True, readonly=True, index=True)
    amount_overdue = fields.Monetary(
        string="Overdue Amount",
        readonly=True,
        help="Overdue amount of the dunned invoices, after the customer's "
        "unapplied credits, in company currency.",
    )
    invoice_ids = fields.Many2many(
        "account.move", string="Overdue Invoices", readonly=True
    )
    invoice_count = fields.Integer(compute="_compute_invoice_count")
    state = fields.Selection(
        [("sent", "Sent"), ("skipped", "Skipped")], required=True, readonly=True
    )
    skip_reason = fields.Char(readonly=True)
    statement_note = fields.Char(
        readonly=True,
        help="Why the customer statement could not be attached to the mail "
        "(the mail was sent without it).",
    )
    statement_pending = fields.Boolean(
        readonly=True,
        help="The customer statement is rendered when the mail leaves (by the "
        "mail queue, one PDF engine run for the queue's batch).",
    )
    message_id = fields.Many2one(
        "mail.message",
        compute="_compute_message_id",
        help="The e-mail sent (through Odoo's mail queue).",
    )

    @api.depends("invoice_ids")
    def _compute_invoice_count(self):
        for dunning in self:
            dunning.invoice_count = len(dunning.invoice_ids)

    def _compute_message_id(self):
        messages = (
            self.env["mail.message"]
            .sudo()
            .search(
                [("model", "=", self._name), ("res_id", "in", self.ids)],
                order="id",
            )
        )
        by_res = {message.res_id: message.id for message in messages}
        for dunning in self:
            dunning.message_id = by_res.get(dunning.id, False)

    def _process_attachments_for_template_post(self, mail_template):
        """Attach the customer statement (PDF) to the mails of the dunnings
        whose level asks for it: the hook of ``mail.template`` for
        attachments computed per record. The statement is the dunning's own
        attachment (``_statement_attach``): rendered here when the run has not
        rendered it yet. The dunnings whose statement is left to the mail
        queue (``statement_pending``) get it there
        (``mail.mail._credit_dunning_attach_statements``).
        """
        attachments = self.filtered(
            lambda d: not d.statement_pending
        )._statement_attach()
        return {
            dunning_id: {"attachment_ids": [attachment_id]}
            for dunning_id, attachment_id in attachments.items()
        }

    def _statement_attach(self):
        """Render and keep the customer statements of these dunnings (those
        whose level attaches it and that have none yet): one PDF engine run
        per company for all of them, one attachment each on the dunning.

        Without a PDF engine, or when a statement cannot be rendered, the
        mails go without it: a warning in the server log and a note on the
        dunnings.

        :return: {dunning id: attachment id} of the statements of these
            dunnings
        """
        dunnings = self.filtered("level_id.attach_statement")
        report = self.env.ref(
            "credit_rating.action_report_customer_statement", raise_if_not_found=False
        )
        if not dunnings or not report:
            return {}
        Attachment = self.env["ir.attachment"].sudo()
        result = {
            attachment["res_id"]: attachment["id"]
            for attachment in Attachment.search_read(
                [("res_model", "=", self._name), ("res_id", "in", dunnings.ids)],
                ["res_id"],
                order="id",
            )
        }
        dunnings = dunnings.filtered(lambda d: d.id not in result)
        if not dunnings:
            return result
        failed = {}
        if self.env["ir.actions.report"].get_wkhtmltopdf_state() == "install":
            failed[self.env._("no PDF engine (wkhtmltopdf) on the server")] = dunnings
            dunnings = dunnings.browse()
        vals_list = []
        Statement = self.env["report.credit_rating.report_customer_statement"].sudo()
        for company in dunnings.company_id:
            company_dunnings = dunnings.filtered(lambda d, c=company: d.company_id == c)
            contents = Statement.with_company(company)._render_statements(
                company_dunnings.partner_id.commercial_partner_id
            )
            for dunning in company_dunnings:
                partner = dunning.partner_id.commercial_partner_id
                content, extension = contents.get(partner.id, (None, None))
                if not content:
                    reason = self.env._("the PDF engine returned no document")
                    failed.setdefault(reason, dunning.browse())
                    failed[reason] |= dunning
                    continue
                lang = partner.lang or self.env.lang
                name = partner.with_context(lang=lang)._credit_statement_filename()
                vals_list.append(
                    {
                        "name": f"{name}.{extension}",
                        "raw": content,
                        "mimetype": "application/pdf"
                        if extension == "pdf"
                        else "text/html",
                        "res_model": self._name,
                        "res_id": dunning.id,
                    }
                )
        for attachment in Attachment.create(vals_list):
            result[attachment.res_id] = attachment.id
        for reason, failed_dunnings in failed.items():
            note = self.env._(
                "Customer statement not attached: %(reason)s.", reason=reason
            )
            _logger.warning(
                "Dunning %s: the customer statement of %s is not attached to "
                "the mail: %s",
                failed_dunnings.ids,
                failed_dunnings.partner_id.mapped("name"),
                reason,
            )
            failed_dunnings.sudo().write({"statement_note": note})
        return result

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(
                self.env._(
                    "Dunning communications are recorded by the dunning run only "
                    "(user %(user)s).",
                    user=self.env.user.name,
                )
            )
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            raise AccessError(
                self.env._(
                    "Dunning communications cannot be changed (user %(user)s).",
                    user=self.env.user.name,
                )
            )
        return super().write(vals)

    def unlink(self):
        if not self.env.su:
            raise AccessError(
                self.env._(
                    "Dunning communications cannot be deleted (user %(user)s).",
                    user=self.env.user.name,
                )
            )
        return super().unlink()
