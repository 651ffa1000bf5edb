from odoo import fields, models
from odoo.exceptions import UserError


class SaleOrder(models.Model):
    _inherit = "sale.order"

    contract_id = fields.Many2one(
        "contract.contract",
        index="btree_not_null",
        check_company=True,
        tracking=True,
        domain="[('contract_type', '=', 'sale'), ('state', 'in', ('signed', 'active')),"
        " ('commercial_partner_id', '=', commercial_partner_id)]",
        help="The signed or active customer contract this order falls under; "
        "its invoices carry it.",
    )
    commercial_partner_id = fields.Many2one(related="partner_id.commercial_partner_id")

    def _control_transition(self, state, apply):
        """Check the orders' contracts whenever they become confirmed, by any
        method (action_confirm, a plain write or create of the state)."""
        if state != "sale":
            return super()._control_transition(state, apply)

        def checked_apply():
            self._check_contract_amounts()
            return apply()

        return super()._control_transition(state, checked_apply)

    def _check_contract_amounts(self):
        items = [
            (
                order,
                order.contract_id,
                order.amount_total,
                order.partner_id,
                order.currency_id,
            )
            for order in self.filtered("contract_id")
        ]
        self.env["contract.contract"]._check_documents(items)

    def write(self, vals):
        if "contract_id" in vals and not self.env.su:
            confirmed = self.filtered(
                lambda o: o.state == "sale" and o.contract_id.id != vals["contract_id"]
            )
            if confirmed:
                raise UserError(
                    self.env._(
                        "%(document)s is confirmed: its contract (%(contract)s) "
                        "can no longer be changed.",
                        document=confirmed[0].display_name,
                        contract=confirmed[0].contract_id.display_name or "-",
                    )
                )
        return super().write(vals)

    def _get_invoice_grouping_keys(self):
        # Orders of different contracts never share an invoice.
        return super()._get_invoice_grouping_keys() + ["contract_id"]

    def _prepare_invoice(self):
        values = super()._prepare_invoice()
        if self.contract_id:
            values["contract_id"] = self.contract_id.id
        return values
