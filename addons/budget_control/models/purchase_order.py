from odoo import api, fields, models
from odoo.tools import SQL, float_is_zero
from odoo.tools.sql import column_exists, create_column, create_index

CONFIRMED = ("purchase", "done")
BILL_TYPES = ("in_invoice", "in_refund")
# Order fields that move what a confirmed order commits.
ORDER_FIELDS = {"date_order", "currency_id", "company_id"}


class PurchaseOrder(models.Model):
    _name = "purchase.order"
    _inherit = ["purchase.order", "control.budget.check.mixin"]

    def _budget_lines(self):
        return self.order_line.filtered(
            lambda line: not line.display_type and line.analytic_distribution
        )

    def _control_request_context(self):
        sections = super()._control_request_context()
        return sections + self._budget_request_context(
            self.date_order and self.date_order.date()
        )

    def _budget_contribution(self, budgets):
        # The orders' own commitments: what a confirmation, a changed line or
        # a changed order date moves (control.budget._consumption_sql sums
        # the same stored amounts by the same distribution shares).
        contribution = {}
        for line in self.order_line:
            amount = line.budget_committed_amount
            distribution = line.analytic_distribution or {}
            if not amount or not distribution or not line.budget_date:
                continue
            for budget_id, (account_id, company_id, start, stop) in budgets.items():
                if line.company_id.id != company_id or not (
                    start <= line.budget_date < stop
                ):
                    continue
                account = str(account_id)
                share = sum(
                    max(pct, 0.0)
                    for key, pct in distribution.items()
                    if account in str(key).split(",")
                )
                if share:
                    contribution[budget_id] = (
                        contribution.get(budget_id, 0.0) + amount * share / 100.0
                    )
        return contribution

    def _control_transition(self, state, apply):
        # Checked where an order becomes confirmed, whichever method writes
        # the state (button_confirm and the second validation step through
        # button_approve, button_unlock, a plain write or create over XML-RPC).
        return self._budget_run_checked(
            lambda: super(PurchaseOrder, self)._control_transition(state, apply)
        )

    def write(self, vals):
        # A confirmed order's date, currency or company moves its commitment
        # to another period or amount.
        checked = (
            self.filtered(lambda order: order.state in CONFIRMED)
            if ORDER_FIELDS.intersection(vals)
            else self.browse()
        )
        if not checked:
            return super().write(vals)
        return checked._budget_run_checked(
            lambda: super(PurchaseOrder, self).write(vals)
        )


class PurchaseOrderLine(models.Model):
    _inherit = "purchase.order.line"

    # What the line commits to budgets, kept on the line so that a budget's
    # figure sums indexed rows and a check computes its document's share
    # without measuring the budgets before and after (see
    # control.budget._consumption_sql, which applies the distribution).
    budget_date = fields.Datetime(
        related="order_id.date_order",
        store=True,
        string="Budget Date",
        help="Order date of the line's order, kept on the line for the budgets' index.",
    )
    budget_committed_amount = fields.Float(
        string="Committed (Company Currency)",
        compute="_compute_budget_committed_amount",
        store=True,
        copy=False,
        help="Untaxed subtotal of the line at the order's rate, in company "
        "currency, for its quantity not yet billed on posted vendor bills "
        "(refunds give quantity back); 0 until the order is confirmed.",
    )

    # The distribution's account when it has one key naming one account
    # (most lines): a budget finds these lines by index and reads their
    # share by key, without expanding the distribution. 0 otherwise.
    budget_analytic_id = fields.Integer(
        compute="_compute_budget_analytic_id", store=True, string="Budget Account"
    )

    def init(self):
        result = super().init()
        create_index(
            self.env.cr,
            "purchase_order_line_budget_committed_index",
            self._table,
            ["budget_analytic_id", "company_id", "budget_date"],
            where="budget_committed_amount <> 0",
        )
        create_index(
            self.env.cr,
            "purchase_order_line_budget_committed_split_index",
            self._table,
            ["company_id", "budget_date"],
            where="budget_committed_amount <> 0 AND budget_analytic_id = 0 "
            "AND analytic_distribution IS NOT NULL",
        )
        return result

    def _auto_init(self):
        # A new stored field is computed in one statement for all the lines
        # (install, or update of a database that has purchase orders), not
        # record by record by the ORM.
        cr = self.env.cr
        missing = [
            (name, column_type)
            for name, column_type in (
                ("budget_date", "timestamp"),
                ("budget_committed_amount", "float8"),
                ("budget_analytic_id", "int4"),
            )
            if not column_exists(cr, self._table, name)
        ]
        if missing:
            for name, column_type in missing:
                create_column(cr, self._table, name, column_type)
            self._budget_init_committed_amounts()
        return super()._auto_init()

    @api.model
    def _budget_init_committed_amounts(self):
        """Set ``budget_date``, ``budget_committed_amount`` and
        ``budget_analytic_id`` of every line in one statement, as the
        computes do line by line."""
        digits = self.env["decimal.precision"].precision_get("Product Unit of Measure")
        self.env.cr.execute(
            SQL(
                """
                WITH billed AS (
                    SELECT aml.purchase_line_id AS line_id,
                           SUM(CASE WHEN move.move_type = 'in_refund'
                                    THEN -1 ELSE 1 END
                               * aml.quantity
                               / COALESCE(NULLIF(aml_uom.factor, 0), 1)) AS qty
                      FROM account_move_line aml
                      JOIN account_move move ON move.id = aml.move_id
                 LEFT JOIN uom_uom aml_uom ON aml_uom.id = aml.product_uom_id
                     WHERE aml.purchase_line_id IS NOT NULL
                       AND move.state = 'posted'
                       AND move.move_type IN %(bill_types)s
                  GROUP BY aml.purchase_line_id
                ), amounts AS (
                    SELECT pol.id,
                           po.date_order,
                           CASE WHEN single.count = 1
                                 AND single.key ~ '^[0-9]+$'
                                THEN single.key::int ELSE 0 END AS account_id,
                           CASE WHEN po.state IN %(confirmed)s
                                 AND pol.display_type IS NULL
                                 AND pol.product_qty > 0
                                THEN pol.price_subtotal
                                     / COALESCE(NULLIF(po.currency_rate, 0), 1)
                                     * unbilled.qty / pol.product_qty
                                ELSE 0 END AS amount
                      FROM purchase_order_line pol
                      JOIN purchase_order po ON po.id = pol.order_id
                 LEFT JOIN uom_uom pol_uom ON pol_uom.id = pol.product_uom
                 LEFT JOIN billed ON billed.line_id = pol.id
                 LEFT JOIN LATERAL (
                           SELECT COUNT(*) AS count, MIN(key) AS key
                             FROM jsonb_object_keys(pol.analytic_distribution)
                                  AS key
                           ) single ON TRUE
                CROSS JOIN LATERAL (
                           SELECT GREATEST(
                                      pol.product_qty
                                      - COALESCE(billed.qty, 0)
                                        * COALESCE(pol_uom.factor, 1),
                                      0) AS raw
                           ) raw
                CROSS JOIN LATERAL (
                           SELECT CASE WHEN ROUND(raw.raw::numeric, %(digits)s) > 0
                                       THEN raw.raw ELSE 0 END AS qty
                           ) unbilled
                )
                UPDATE purchase_order_line pol
                   SET budget_date = amounts.date_order,
                       budget_committed_amount = amounts.amount,
                       budget_analytic_id = amounts.account_id
                  FROM amounts
                 WHERE amounts.id = pol.id
                """,
                bill_types=BILL_TYPES,
                confirmed=CONFIRMED,
                digits=digits,
            )
        )

    @api.depends("analytic_distribution")
    def _compute_budget_analytic_id(self):
        for line in self:
            keys = [str(key) for key in line.analytic_distribution or {}]
            single = len(keys) == 1 and keys[0].isascii() and keys[0].isdigit()
            line.budget_analytic_id = int(keys[0]) if single else 0

    @api.depends(
        "order_id.state",
        "order_id.currency_rate",
        "display_type",
        "product_qty",
        "price_subtotal",
        "product_uom.factor",
        "invoice_lines.quantity",
        "invoice_lines.product_uom_id.factor",
        "invoice_lines.move_id.state",
        "invoice_lines.move_id.move_type",
    )
    def _compute_budget_committed_amount(self):
        digits = self.env["decimal.precision"].precision_get("Product Unit of Measure")
        for line in self:
            order = line.order_id
            if (
                order.state not in CONFIRMED
                or line.display_type
                or line.product_qty <= 0
            ):
                line.budget_committed_amount = 0.0
                continue
            billed = 0.0
            for bill_line in line.invoice_lines:
                move = bill_line.move_id
                if move.state != "posted" or move.move_type not in BILL_TYPES:
                    continue
                qty = bill_line.quantity / (bill_line.product_uom_id.factor or 1.0)
                billed += -qty if move.move_type == "in_refund" else qty
            if billed:
                factor = line.product_uom.factor if line.product_uom else 1.0
                billed *= factor
            unbilled = max(line.product_qty - billed, 0.0)
            if float_is_zero(unbilled, precision_digits=digits):
                unbilled = 0.0
            line.budget_committed_amount = (
                line.price_subtotal
                / (order.currency_rate or 1.0)
                * unbilled
                / line.product_qty
            )

    @api.constrains("analytic_distribution")
    def _check_budget_distribution(self):
        check = self.env["control.budget.check.mixin"]
        for line in self:
            check._budget_check_distribution(
                line.analytic_distribution, line.order_id.display_name, line.name
            )

    def _sanitize_values(self, vals, decimal_precision):
        # Before Odoo rounds the percentages (NaN or infinity end there in a
        # traceback); negative ones are refused by the constraint above.
        self.env["control.budget.check.mixin"]._budget_check_line_values(
            self, vals, "order_id"
        )
        return super()._sanitize_values(vals, decimal_precision)

    # A confirmed order stays editable in Odoo: a line added or raised after
    # the confirmation goes through the same budget check.

    @api.model
    def _budget_new_account_ids(self, vals_list):
        """Analytic accounts that the values put on lines."""
        check = self.env["control.budget.check.mixin"]
        account_ids = set()
        for vals in vals_list:
            account_ids |= check._budget_distribution_account_ids(
                vals.get("analytic_distribution")
            )
        return account_ids

    @api.model_create_multi
    def create(self, vals_list):
        orders = (
            self.env["purchase.order"]
            .browse(
                {vals.get("order_id") for vals in vals_list if vals.get("order_id")}
            )
            .filtered(lambda order: order.state in CONFIRMED)
        )
        if not orders:
            return super().create(vals_list)
        return orders._budget_run_checked(
            lambda: super(PurchaseOrderLine, self).create(vals_list),
            extra_account_ids=self._budget_new_account_ids(vals_list),
        )

    def write(self, vals):
        # Whatever fields change (quantity, unit of measure, price, taxes,
        # distribution...), the budgets' consumption is measured before and
        # after the change of a confirmed order's lines: no list of fields.
        orders = self.order_id.filtered(lambda order: order.state in CONFIRMED)
        if not orders:
            return super().write(vals)
        return orders._budget_run_checked(
            lambda: super(PurchaseOrderLine, self).write(vals),
            extra_account_ids=self._budget_new_account_ids([vals]),
            # Lines moved to another order leave these orders.
            measure="order_id" in vals,
        )
