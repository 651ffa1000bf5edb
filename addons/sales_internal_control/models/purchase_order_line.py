from odoo import models


class PurchaseOrderLine(models.Model):
    _name = "purchase.order.line"
    _inherit = ["purchase.order.line", "control.approval.line.mixin"]

    def _approval_amount_fields(self):
        return {"product_id", "product_qty", "price_unit", "discount", "taxes_id"}
