from odoo import api, models

# Line fields that change the order's total.
AMOUNT_FIELDS = {"product_id", "product_uom_qty", "price_unit", "discount", "tax_id"}


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    # Lines written directly (XML-RPC, other modules) rather than through the
    # order's form: an approval that no longer covers the total is void.

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.order_id._approval_check_amount()
        return lines

    def write(self, vals):
        result = super().write(vals)
        if AMOUNT_FIELDS.intersection(vals):
            self.order_id._approval_check_amount()
        return result
