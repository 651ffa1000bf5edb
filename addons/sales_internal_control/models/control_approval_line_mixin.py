from odoo import api, models


class ControlApprovalLineMixin(models.AbstractModel):
    """Lines of a document under approval (sale and purchase order lines).

    Lines written, added or removed directly (XML-RPC, other modules) rather
    than through the document's form change its total too. The document's
    total and largest discount are compared before and after the change,
    whatever fields changed (quantities, units of measure, prices, taxes,
    discounts): see ``control.approval.mixin._approval_review_change``.
    """

    _name = "control.approval.line.mixin"
    _description = "Approval Line Mixin"

    @api.model_create_multi
    def create(self, vals_list):
        orders = self.env[self._fields["order_id"].comodel_name].browse(
            {vals["order_id"] for vals in vals_list if vals.get("order_id")}
        )
        before = orders._approval_snapshot()
        lines = super().create(vals_list)
        orders._approval_review_change(before)
        return lines

    def write(self, vals):
        orders = self.order_id
        before = orders._approval_snapshot(self, vals)
        result = super().write(vals)
        orders._approval_review_change(before)
        return result

    def unlink(self):
        orders = self.order_id
        before = orders._approval_snapshot()
        result = super().unlink()
        orders._approval_review_change(before)
        return result
