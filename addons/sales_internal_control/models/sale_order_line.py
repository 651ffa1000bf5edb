from odoo import models


class SaleOrderLine(models.Model):
    _name = "sale.order.line"
    _inherit = ["sale.order.line", "control.approval.line.mixin"]

    def _approval_amount_fields(self):
        return {"product_id", "product_uom_qty", "price_unit", "discount", "tax_id"}
