from odoo import api, models

# Line fields that change the order's total.
AMOUNT_FIELDS = {"product_id", "product_qty", "price_unit", "discount", "taxes_id"}


class PurchaseOrderLine(models.Model):
    _inherit = "purchase.order.line"

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
