from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    contract_id = fields.Many2one(
        "contract.contract",
        index="btree_not_null",
        check_company=True,
        tracking=True,
        domain="[('state', 'in', ('signed', 'active')),"
        " ('commercial_partner_id', '=', commercial_partner_id)]",
        help="The contract this invoice or bill is issued under; posting checks "
        "it is signed or active and not exceeded.",
    )

    def _post(self, soft=True):
        """Check invoices against their contracts; refunds always pass."""
        items = [
            (
                move,
                move.contract_id,
                move.amount_total,
                move.partner_id,
                move.currency_id,
            )
            for move in self.filtered(
                lambda m: m.contract_id and m.move_type in ("out_invoice", "in_invoice")
            )
        ]
        self.env["contract.contract"]._check_documents(items)
        return super()._post(soft=soft)
