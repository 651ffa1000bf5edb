from odoo import fields, models


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
