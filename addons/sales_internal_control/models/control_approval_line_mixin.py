from odoo import api, models


class ControlApprovalLineMixin(models.AbstractModel):
    """Lines of a document under approval (sale and purchase order lines).

    Lines written or added directly (XML-RPC, other modules) rather than
    through the document's form change its total too: an approval that no
    longer covers it is void at once.
    """

    _name = "control.approval.line.mixin"
    _description = "Approval Line Mixin"

    def _approval_amount_fields(self):
        """Line fields that change the document's total."""
        return set()

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.order_id._approval_check_amount()
        return lines

    def write(self, vals):
        result = super().write(vals)
        if self._approval_amount_fields().intersection(vals):
            self.order_id._approval_check_amount()
        return result
