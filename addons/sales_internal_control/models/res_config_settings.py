from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    control_approval_sale = fields.Boolean(
        related="company_id.control_approval_sale", readonly=False
    )
    control_approval_purchase = fields.Boolean(
        related="company_id.control_approval_purchase", readonly=False
    )
    control_approval_invoice = fields.Boolean(
        related="company_id.control_approval_invoice", readonly=False
    )
    control_approval_payment = fields.Boolean(
        related="company_id.control_approval_payment", readonly=False
    )
    invoice_requires_sale_order = fields.Boolean(
        related="company_id.invoice_requires_sale_order", readonly=False
    )
    sod_bill_payment = fields.Boolean(
        related="company_id.sod_bill_payment", readonly=False
    )
    sod_bank_payment = fields.Boolean(
        related="company_id.sod_bank_payment", readonly=False
    )
    sod_bank_window_days = fields.Integer(
        related="company_id.sod_bank_window_days", readonly=False
    )
    sod_po_bill = fields.Boolean(related="company_id.sod_po_bill", readonly=False)
    approval_requires_2fa = fields.Boolean(
        related="company_id.approval_requires_2fa", readonly=False
    )
