from odoo import api, fields, models
from odoo.exceptions import AccessError


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
