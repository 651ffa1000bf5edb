from odoo import fields, models
from odoo.exceptions import UserError

REFUNDS = ("out_refund", "in_refund")


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

    def _control_transition(self, state, apply):
        """Check invoices against their contracts whenever they become posted,
        by any method (action_post, the auto-post cron, Confirm Entries, a
        plain write of the state)."""
        if state != "posted":
            return super()._control_transition(state, apply)

        def checked_apply():
            self._check_contracts()
            return apply()

        return super()._control_transition(state, checked_apply)

    def _check_contracts(self):
        """Check invoices against their contracts.

        Refunds pass whatever the contract's state and amount (they give the
        amount back), but must match its kind, partner and currency.
        """
        self._check_order_contracts()
        items = [
            (
                move,
                move.contract_id,
                -move.amount_total if move.move_type in REFUNDS else move.amount_total,
                move.partner_id,
                move.currency_id,
            )
            for move in self.filtered(lambda m: m.contract_id and m.is_invoice())
        ]
        self.env["contract.contract"]._check_documents(items)

    def _check_order_contracts(self):
        """A customer invoice of contract orders keeps a contract of that family.

        Its contract can be any version of the orders' contracts (documents
        move to the new version), but not another contract nor none.
        """
        for move in self.filtered(lambda m: m.is_sale_document(include_receipts=False)):
            order_contracts = move.sudo().line_ids.sale_line_ids.order_id.contract_id
            if not order_contracts:
                continue
            if move.contract_id.origin_id not in order_contracts.origin_id or (
                len(order_contracts.origin_id) > 1
            ):
                raise UserError(
                    self.env._(
                        "%(document)s invoices orders under contract %(orders)s "
                        "but its contract is %(contract)s: set the orders' "
                        "contract (or one of its versions) before posting.",
                        document=move.display_name,
                        orders=", ".join(order_contracts.mapped("display_name")),
                        contract=move.contract_id.display_name or "-",
                    )
                )

    def write(self, vals):
        if "contract_id" in vals and not self.env.su:
            new_id = vals["contract_id"]
            posted = self.filtered(
                lambda m: m.state == "posted" and m.contract_id.id != new_id
            )
            if posted:
                raise UserError(
                    self.env._(
                        "%(document)s is posted: its contract (%(contract)s) can "
                        "no longer be changed; reset it to draft first.",
                        document=posted[0].display_name,
                        contract=posted[0].contract_id.display_name or "-",
                    )
                )
        return super().write(vals)
