from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    control_approval_sale = fields.Boolean(
        string="Approvals on Sale Orders", default=True
    )
    control_approval_purchase = fields.Boolean(
        string="Approvals on Purchase Orders", default=True
    )
    control_approval_invoice = fields.Boolean(
        string="Approvals on Invoices and Bills", default=True
    )
    control_approval_payment = fields.Boolean(
        string="Approvals on Payments", default=True
    )
    invoice_requires_sale_order = fields.Boolean(
        string="Invoices Require an Approved Sale Order",
        help="A customer invoice that does not come from a confirmed, approved "
        "sale order is refused unless the user is an accounting manager.",
    )
    # Segregation of duties: transaction rules (off until a company opts in).
    sod_bill_payment = fields.Boolean(
        string="Bill Creator Cannot Pay It",
        help="Whoever created or posted a vendor bill may not post or approve "
        "a payment of that bill.",
    )
    sod_bank_payment = fields.Boolean(
        string="Bank Account Editor Cannot Pay to It",
        help="Whoever created or changed a partner's bank account in the last "
        "days (see the window) may not post or approve a payment to that "
        "partner.",
    )
    sod_bank_window_days = fields.Integer(
        string="Bank Change Window (days)", default=30
    )
    sod_po_bill = fields.Boolean(
        string="Purchase Requester Cannot Post Its Bill",
        help="Whoever requested a purchase order (its buyer or creator) may not "
        "post that order's vendor bill.",
    )
    approval_requires_2fa = fields.Boolean(
        string="Approvers Need Two-Factor Authentication",
        help="Approve, reject, emergency and release decisions need the "
        "deciding user to have two-factor authentication turned on.",
    )

    @api.constrains("sod_bank_window_days")
    def _check_sod_bank_window_days(self):
        for company in self:
            if company.sod_bank_window_days < 0:
                raise ValidationError(
                    self.env._(
                        "Company %(company)s: the bank change window cannot be "
                        "negative (%(days)s days).",
                        company=company.name,
                        days=company.sod_bank_window_days,
                    )
                )
