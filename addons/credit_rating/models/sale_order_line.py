from odoo import api, fields, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    credit_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    credit_open_amount = fields.Monetary(
        string="Credit Exposure",
        currency_field="credit_currency_id",
        compute="_compute_credit_open_amount",
        store=True,
        help="Part of this confirmed line not invoiced yet (taxes included), in "
        "company currency at the order's rate. Draft and posted invoices are "
        "counted on the invoice side.",
    )

    def init(self):
        res = super().init()
        # Only open lines count in the exposure: keep their index small, and
        # cover what the exposure reads (company, state, amount), so that the
        # check of a customer and the dashboard's sum over all customers read
        # the index alone.
        self.env.cr.execute(
            """
            DROP INDEX IF EXISTS sale_order_line_credit_open_partner_index;
            CREATE INDEX IF NOT EXISTS sale_order_line_credit_open_index
                ON sale_order_line (order_partner_id)
                INCLUDE (company_id, state, credit_open_amount)
                WHERE credit_open_amount != 0
            """
        )
        return res

    # A confirmed order stays editable in Odoo: a line added or raised after
    # the confirmation goes through the credit check for what it adds.

    @api.model_create_multi
    def create(self, vals_list):
        orders = (
            self.env["sale.order"]
            .browse({vals["order_id"] for vals in vals_list if vals.get("order_id")})
            .filtered(lambda order: order.state == "sale")
        )
        before = orders._credit_open_amounts()
        lines = super().create(vals_list)
        if orders:
            orders._credit_check_raise(before)
        return lines

    def write(self, vals):
        # Whatever fields change (quantity, unit of measure, price, taxes...),
        # what the confirmed orders add to the exposure is measured before and
        # after; only a rise is checked.
        orders = self.order_id.filtered(lambda order: order.state == "sale")
        if not orders:
            return super().write(vals)
        before = orders._credit_open_amounts()
        result = super().write(vals)
        orders._credit_check_raise(before)
        return result

    @api.depends(
        "state",
        "price_total",
        "product_uom_qty",
        "qty_invoiced",
        "order_id.currency_rate",
    )
    def _compute_credit_open_amount(self):
        for line in self:
            if line.state != "sale" or line.display_type or not line.product_uom_qty:
                line.credit_open_amount = 0.0
                continue
            remaining = max(line.product_uom_qty - line.qty_invoiced, 0.0)
            amount = line.price_total * remaining / line.product_uom_qty
            rate = line.order_id.currency_rate or 1.0
            line.credit_open_amount = line.company_id.currency_id.round(amount / rate)
