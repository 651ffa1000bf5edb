from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, format_amount
from odoo.tools.sql import create_index
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "control.approval.mixin"]

    control_posted_by_id = fields.Many2one(
        "res.users",
        string="Posted By",
        readonly=True,
        copy=False,
        help="The user who posted the entry (the segregation-of-duties rules "
        "keep them from paying it).",
    )

    def init(self):
        res = super().init()
        # The anomaly detectors look up a vendor's earlier bills (duplicate
        # bill, unusual amount): Odoo indexes the commercial partner of draft
        # moves only.
        create_index(
            self.env.cr,
            "account_move_ic_vendor_bill_partner_index",
            self._table,
            ["commercial_partner_id", "invoice_date"],
            where="move_type IN ('in_invoice', 'in_refund')",
        )
        # Duplicate bills by normalised reference (the detector's expression).
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS account_move_ic_vendor_bill_ref_index
                ON account_move (
                    commercial_partner_id,
                    (regexp_replace(lower(coalesce(ref, '')), '[^[:alnum:]]', '', 'g'))
                ) WHERE move_type IN ('in_invoice', 'in_refund')
            """
        )
        return res

    def _anomaly_relevant(self, detector):
        # The detectors look at vendor bills and refunds only.
        return self.move_type in ("in_invoice", "in_refund")

    def _approval_get_amount(self):
        self.ensure_one()
        return abs(self.amount_total_signed)

    def _approval_summary_lines(self):
        return self.invoice_line_ids.filtered(
            lambda line: line.display_type == "product"
        )

    def _approval_enabled(self):
        self.ensure_one()
        return self.company_id._control_setting(
            "control_approval_invoice"
        ) and self.is_invoice(include_receipts=True)

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

    def _control_guarded_fields(self):
        return dict(super()._control_guarded_fields(), control_posted_by_id="engine")

    def _control_transition(self, state, apply):
        if state == "posted":
            self._check_invoice_requires_sale_order()
            # The field's own write (what write() does for it, without the
            # overrides): it goes out with the posting's UPDATE, no query.
            self._fields["control_posted_by_id"].write(self.sudo(), self.env.uid)
        return super()._control_transition(state, apply)

    # ------------------------------------------------------ segregation of duties
    def _sod_bill_conflicts(self, user):
        """``[(bill, reason)]``: vendor bills of companies with the rule
        ``sod_bill_payment`` that ``user`` created or posted (so may not pay)."""
        return [
            (
                bill,
                self.env._(
                    "%(user)s created or posted the vendor bill %(bill)s, and the "
                    "company keeps whoever enters a bill from paying it.",
                    user=user.name,
                    bill=bill.display_name,
                ),
            )
            for bill in self
            if bill.is_purchase_document(include_receipts=True)
            and bill.company_id._control_setting("sod_bill_payment")
            and user in (bill.create_uid | bill.control_posted_by_id)
        ]

    def _sod_conflicts(self, user):
        conflicts = super()._sod_conflicts(user)
        bills = self.filtered(
            lambda move: (
                move.company_id._control_setting("sod_po_bill")
                and move.is_purchase_document(include_receipts=True)
            )
        )
        if not bills:
            return conflicts
        for bill in bills:
            orders = bill.invoice_line_ids.purchase_line_id.order_id
            requested = orders.filtered(
                lambda order: user in (order.user_id | order.create_uid)
            )
            if requested:
                conflicts.append(
                    (
                        bill,
                        self.env._(
                            "%(user)s requested the purchase order(s) %(orders)s "
                            "billed by %(bill)s, and the company keeps a purchase's "
                            "requester from posting its bill.",
                            user=user.name,
                            orders=", ".join(requested.mapped("name")),
                            bill=bill.display_name,
                        ),
                    )
                )
        return conflicts

    def _check_invoice_requires_sale_order(self):
        """Refuse customer invoices that do not come from a confirmed order.

        When the company sets ``invoice_requires_sale_order``, every product
        line of a customer invoice must come from a line of a confirmed sale
        order (an order that needed approval is confirmed only once
        approved) of the same customer and currency, and what the order's
        lines invoice (posted invoices minus refunds, plus this batch) may not
        exceed what they order, in quantity or amount. Accounting managers
        may post such invoices anyway.
        """
        invoices = self.filtered(
            lambda move: (
                move.move_type == "out_invoice"
                and move.company_id._control_setting("invoice_requires_sale_order")
            )
        )
        if not invoices or self.env.user.has_group("account.group_account_manager"):
            return
        exceeded = invoices._invoice_exceeded_sale_lines()
        exceeded_lines = self.env["sale.order.line"].browse(
            [line.id for line in exceeded]
        )
        for invoice in invoices:
            partners = invoice.commercial_partner_id
            orphans = invoice.invoice_line_ids.filtered(
                lambda line, partners=partners: (
                    line.display_type == "product"
                    and (
                        not line.sale_line_ids
                        or any(
                            order.state != "sale"
                            or order.currency_id != line.currency_id
                            or partners
                            not in (
                                order.partner_id.commercial_partner_id
                                | order.partner_invoice_id.commercial_partner_id
                            )
                            for order in line.sale_line_ids.order_id
                        )
                    )
                )
            )
            if orphans:
                invoice._invoice_refuse(
                    orphans,
                    self.env["control.log"]._text(
                        _lt(
                            "Invoice %(invoice)s for %(partner)s cannot be posted: "
                            "your company requires customer invoices to come from a "
                            "confirmed, approved sale order of the same customer and "
                            "currency, and %(count)s line(s) totalling %(amount)s do "
                            "not (%(lines)s). Invoice the sale order instead, or ask "
                            "an accounting manager.",
                            invoice=invoice.display_name,
                            partner=invoice.partner_id.display_name,
                            count=len(orphans),
                            amount=format_amount(
                                self.env,
                                sum(orphans.mapped("price_subtotal")),
                                invoice.currency_id,
                            ),
                            lines=", ".join(
                                orphans.mapped(lambda line: line.name or "")
                            ),
                        )
                    ),
                )
            over = invoice.invoice_line_ids.filtered(
                lambda line: line.sale_line_ids & exceeded_lines
            )
            if over:
                sale_line = (over.sale_line_ids & exceeded_lines)[:1]
                ordered_qty, ordered_amount, qty, amount = exceeded[sale_line]
                currency = sale_line.currency_id
                invoice._invoice_refuse(
                    over,
                    self.env["control.log"]._text(
                        _lt(
                            "Invoice %(invoice)s for %(partner)s cannot be posted: "
                            "line %(line)s of order %(order)s orders %(ordered_qty)s "
                            "for %(ordered_amount)s, and its invoices would then bill "
                            "%(qty)s for %(amount)s. Your company requires customer "
                            "invoices to stay within their sale orders; ask an "
                            "accounting manager.",
                            invoice=invoice.display_name,
                            partner=invoice.partner_id.display_name,
                            line=sale_line.name or "",
                            order=sale_line.order_id.name,
                            ordered_qty=ordered_qty,
                            ordered_amount=format_amount(
                                self.env, ordered_amount, currency
                            ),
                            qty=qty,
                            amount=format_amount(self.env, amount, currency),
                        )
                    ),
                )

    def _invoice_exceeded_sale_lines(self):
        """``{sale line: (ordered qty, ordered amount, invoiced qty, invoiced
        amount)}`` for the sale lines of these invoices that posted invoices
        (minus refunds) and these invoices together bill beyond the line.

        One search for the posted invoice lines of these sale lines, whatever
        the history; amounts are untaxed, in the order's currency; a down
        payment line is capped by its amount only.
        """
        lines = self.invoice_line_ids.filtered(
            lambda line: line.display_type == "product" and line.sale_line_ids
        )
        sale_lines = lines.sale_line_ids
        if not sale_lines:
            return {}
        posted = (
            self.env["account.move.line"]
            .sudo()
            .search(
                [
                    ("sale_line_ids", "in", sale_lines.ids),
                    ("parent_state", "=", "posted"),
                    ("move_id.move_type", "in", ("out_invoice", "out_refund")),
                    ("display_type", "=", "product"),
                    ("move_id", "not in", self.ids),
                ]
            )
        )
        totals = {}
        for line in posted | lines:
            sign = -1 if line.move_id.move_type == "out_refund" else 1
            for sale_line in line.sudo().sale_line_ids & sale_lines:
                qty, amount = totals.get(sale_line, (0.0, 0.0))
                totals[sale_line] = (
                    qty
                    + sign
                    * line.product_uom_id._compute_quantity(
                        line.quantity, sale_line.product_uom, raise_if_failure=False
                    ),
                    amount + sign * line.price_subtotal,
                )
        exceeded = {}
        for sale_line, (qty, amount) in totals.items():
            if sale_line.is_downpayment:
                ordered_qty, ordered_amount = qty, sale_line.price_unit
            else:
                ordered_qty = sale_line.product_uom_qty
                ordered_amount = sale_line.price_subtotal
            precision = sale_line.product_uom.rounding
            if (
                float_compare(qty, ordered_qty, precision_rounding=precision) > 0
                or sale_line.currency_id.compare_amounts(amount, ordered_amount) > 0
            ):
                exceeded[sale_line] = (ordered_qty, ordered_amount, qty, amount)
        return exceeded

    def _invoice_refuse(self, lines, message):
        self.ensure_one()
        self.env["control.log"]._log_detached(
            "blocked", self, message, amount=abs(self.amount_total_signed)
        )
        raise UserError(message)
