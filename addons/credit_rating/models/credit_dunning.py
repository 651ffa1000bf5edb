import base64
import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

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
        attachments computed per record (one rendering per mail).

        Without a PDF engine the mails go without it: a warning in the server
        log and a note on the dunnings.
        """
        result = {}
        dunnings = self.filtered("level_id.attach_statement")
        report = self.env.ref(
            "credit_rating.action_report_customer_statement", raise_if_not_found=False
        )
        if not dunnings or not report:
            return result
        Report = self.env["ir.actions.report"].sudo()
        failed = {}
        if Report.get_wkhtmltopdf_state() == "install":
            failed[self.env._("no PDF engine (wkhtmltopdf) on the server")] = dunnings
            dunnings = dunnings.browse()
        for dunning in dunnings:
            partner = dunning.partner_id.commercial_partner_id
            lang = partner.lang or self.env.lang
            report_env = Report.with_company(dunning.company_id).with_context(lang=lang)
            try:
                content, extension = report_env._render_qweb_pdf(report, partner.ids)
            except UserError as error:
                reason = str(error)
            else:
                reason = (
                    None
                    if content
                    else self.env._("the PDF engine returned no document")
                )
            if reason:
                failed.setdefault(reason, dunning.browse())
                failed[reason] |= dunning
                continue
            name = partner.with_context(lang=lang)._credit_statement_filename()
            result[dunning.id] = {
                "attachments": [
                    (f"{name}.{extension}", base64.b64encode(content)),
                ]
            }
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
