from odoo import models
from odoo.exceptions import UserError
from odoo.tools import format_amount


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "control.approval.mixin"]

    def _approval_get_amount(self):
        self.ensure_one()
        return abs(self.amount_total_signed)

    def _approval_enabled(self):
        self.ensure_one()
        return self.company_id.control_approval_invoice and self.is_invoice(
            include_receipts=True
        )

    def _approval_action(self):
        return self.action_post()

    def _approval_done_states(self):
        return ("posted",)

    def action_post(self):
        candidates = self.filtered(lambda move: move.state == "draft")
        to_post = self - candidates._approval_route()
        if not to_post:
            return False
        return super(AccountMove, to_post).action_post()

    def _post(self, soft=True):
        self._check_invoice_requires_sale_order()
        return super()._post(soft=soft)

    def _check_invoice_requires_sale_order(self):
        """Refuse customer invoices that do not come from a confirmed order.

        When the company sets ``invoice_requires_sale_order``, every product
        line of a customer invoice must come from a line of a confirmed sale
        order (an order that needed approval is confirmed only once
        approved). Accounting managers may post such invoices anyway.
        """
        invoices = self.filtered(
            lambda move: (
                move.move_type == "out_invoice"
                and move.company_id.invoice_requires_sale_order
            )
        )
        if not invoices or self.env.user.has_group("account.group_account_manager"):
            return
        for invoice in invoices:
            orphans = invoice.invoice_line_ids.filtered(
                lambda line: (
                    line.display_type == "product"
                    and (
                        not line.sale_line_ids
                        or any(
                            order.state != "sale"
                            for order in line.sale_line_ids.order_id
                        )
                    )
                )
            )
            if not orphans:
                continue
            amount = format_amount(
                self.env, sum(orphans.mapped("price_subtotal")), invoice.currency_id
            )
            message = self.env._(
                "Invoice %(invoice)s for %(partner)s cannot be posted: your company "
                "requires customer invoices to come from a confirmed, approved sale "
                "order, and %(count)s line(s) totalling %(amount)s do "
                "not (%(lines)s). Invoice the sale order instead, or ask an "
                "accounting manager.",
                invoice=invoice.display_name,
                partner=invoice.partner_id.display_name,
                count=len(orphans),
                amount=amount,
                lines=", ".join(orphans.mapped(lambda line: line.name or "")),
            )
            self.env["control.log"]._log_detached(
                "blocked",
                invoice,
                message,
                amount=abs(invoice.amount_total_signed),
            )
            raise UserError(message)
