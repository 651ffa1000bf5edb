from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

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
    contract_milestone_id = fields.Many2one(
        "contract.milestone",
        index="btree_not_null",
        tracking=True,
        domain="[('contract_id', '=', contract_id)]",
        help="The milestone of the contract's payment plan this invoice bills; "
        "posting checks it is not exceeded.",
    )

    @api.onchange("contract_id")
    def _onchange_contract_id_milestone(self):
        if self.contract_milestone_id.contract_id != self.contract_id:
            self.contract_milestone_id = False

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
        self._check_milestones()

    def _check_milestones(self):
        """Invoices naming a milestone never exceed what remains of it.

        Runs after :meth:`_check_documents`, which locked the contracts: two
        invoices of one milestone posted at the same moment serialize. A
        constant number of queries whatever the milestones and invoices.
        Refunds pass (they give the amount back) but lower the batch's total.
        """
        moves = self.filtered(lambda m: m.contract_milestone_id and m.is_invoice())
        if not moves:
            return
        milestones = moves.contract_milestone_id.sudo()
        totals = milestones._lineage_amounts()
        added = defaultdict(float)
        for move in moves:
            milestone = move.contract_milestone_id.sudo()
            origin = (milestone.origin_milestone_id or milestone).id
            refund = move.move_type in REFUNDS
            amount = -move.amount_total if refund else move.amount_total
            message = False
            if milestone.contract_id != move.contract_id:
                message = self.env._(
                    "%(document)s names milestone %(milestone)s of contract "
                    "%(milestone_contract)s but its contract is %(contract)s.",
                    document=move.display_name,
                    milestone=milestone.name,
                    milestone_contract=milestone.contract_id.display_name,
                    contract=move.contract_id.display_name or "-",
                )
            elif not refund:
                tolerance = move.contract_id.company_id._control_setting(
                    "contract_invoice_tolerance_pct"
                )
                ceiling = milestone.amount * (1 + tolerance / 100.0)
                invoiced = totals[milestone.id]["invoiced"] + added[origin]
                if (
                    milestone.currency_id.compare_amounts(invoiced + amount, ceiling)
                    > 0
                ):
                    fmt = milestone._format
                    message = self.env["control.log"]._text(
                        _lt(
                            "%(document)s would exceed milestone %(milestone)s of "
                            "contract %(contract)s: milestone amount %(amount)s "
                            "(tolerance %(tolerance)s%%, ceiling %(ceiling)s), already "
                            "invoiced %(invoiced)s, this document adds %(added)s, "
                            "remaining %(remaining)s.",
                            document=move.display_name,
                            milestone=milestone.name,
                            contract=move.contract_id.display_name,
                            amount=fmt(milestone.amount),
                            tolerance=tolerance,
                            ceiling=fmt(ceiling),
                            invoiced=fmt(invoiced),
                            added=fmt(amount),
                            remaining=fmt(ceiling - invoiced),
                        )
                    )
            if message:
                self.env["control.log"]._log_detached(
                    "blocked",
                    move,
                    message,
                    amount=abs(move.amount_total_signed),
                )
                raise UserError(message)
            added[origin] += amount

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
        if "contract_milestone_id" in vals and not self.env.su:
            new_id = vals["contract_milestone_id"]
            posted = self.filtered(
                lambda m: m.state == "posted" and m.contract_milestone_id.id != new_id
            )
            if posted:
                raise UserError(
                    self.env._(
                        "%(document)s is posted: its contract milestone "
                        "(%(milestone)s) can no longer be changed; reset it to "
                        "draft first.",
                        document=posted[0].display_name,
                        milestone=posted[0].contract_milestone_id.name or "-",
                    )
                )
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
