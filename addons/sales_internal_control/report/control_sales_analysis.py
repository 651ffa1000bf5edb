from odoo import api, fields, models
from odoo.tools import SQL

from ..models.control_tools import open_lines_sql

LINE_TYPES = [
    ("order", "Sale Order Line"),
    ("invoice", "Invoice Line"),
    ("receivable", "Receivable"),
]


class ControlSalesAnalysis(models.Model):
    """Ordered, invoiced, paid and overdue amounts, in company currency.

    A read-only report over three kinds of rows (``line_type``), each giving
    its own measures, so that every dimension can be crossed with every
    measure:

    - ``order``: lines of confirmed sale orders, their untaxed subtotal
      (ordered);
    - ``invoice``: product lines of posted customer invoices and credit notes,
      untaxed (invoiced; credit notes count negative);
    - ``receivable``: the receivable lines of the customers, tax included,
      with what is still open and overdue on them in the credit check's one
      definition (``open_items_query`` of credit_rating when installed: the
      customer's unapplied credits netted against its oldest debits first),
      and what was paid (the line's amount minus what is open on it).

    The query is built from overridable pieces, as Odoo's ``sale.report``:
    ``_select`` and ``_from`` (the outer query over the rows joined to the
    customer), and one ``_select_*``/``_from_*``/``_where_*`` triple per kind.
    ``_open_items_sql`` gives the open amount of each receivable line.
    """

    _name = "control.sales.analysis"
    _description = "Sales Control Analysis"
    _auto = False
    _rec_name = "date"
    _order = "date desc, id desc"
    # Flushed before the report is read.
    _depends = {
        "sale.order": [
            "state",
            "date_order",
            "company_id",
            "team_id",
            "user_id",
            "partner_id",
            "currency_rate",
        ],
        "sale.order.line": ["order_id", "price_subtotal", "product_id", "display_type"],
        "account.move": [
            "state",
            "move_type",
            "invoice_date",
            "date",
            "team_id",
            "invoice_user_id",
            "commercial_partner_id",
        ],
        "account.move.line": [
            "move_id",
            "balance",
            "amount_residual",
            "reconciled",
            "parent_state",
            "partner_id",
            "account_id",
            "date",
            "date_maturity",
            "display_type",
            "product_id",
        ],
        "res.partner": ["commercial_partner_id", "country_id", "state_id", "user_id"],
    }

    line_type = fields.Selection(LINE_TYPES, string="Source", readonly=True)
    date = fields.Date(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    country_id = fields.Many2one(
        "res.country", string="Customer Country", readonly=True
    )
    state_id = fields.Many2one(
        "res.country.state", string="Customer State", readonly=True
    )
    product_id = fields.Many2one("product.product", readonly=True)
    categ_id = fields.Many2one(
        "product.category", string="Product Category", readonly=True
    )
    order_id = fields.Many2one("sale.order", string="Sale Order", readonly=True)
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    amount_ordered = fields.Monetary(
        string="Ordered",
        readonly=True,
        help="Untaxed subtotal of the lines of confirmed sale orders.",
    )
    amount_invoiced = fields.Monetary(
        string="Invoiced",
        readonly=True,
        help="Untaxed amount of the posted customer invoices, credit notes deducted.",
    )
    amount_paid = fields.Monetary(
        string="Paid",
        readonly=True,
        help="Receivables settled (tax included): the amount of the "
        "receivable lines minus what is open on them.",
    )
    amount_open = fields.Monetary(
        string="Open Receivables",
        readonly=True,
        help="Open receivables (tax included), the customer's unapplied "
        "credits applied to its oldest debits first.",
    )
    amount_overdue = fields.Monetary(
        string="Overdue",
        readonly=True,
        help="Open receivables past their due date, as in the credit check.",
    )

    # The query

    @property
    def _table_query(self):
        return self._query()

    @api.model
    def _query(self):
        return SQL(
            "WITH %(with)s SELECT %(select)s FROM %(from)s",
            select=self._select(),
            **{"with": self._with(), "from": self._from()},
        )

    @api.model
    def _with(self):
        """Common tables of the query: ``open_item``, the open receivable
        items (read by the receivable rows and the excess credit rows)."""
        return SQL("open_item AS (%s)", self._open_items_sql())

    @api.model
    def _select(self):
        """Columns of the outer query; ``line`` is a row of :meth:`_lines`,
        ``partner`` its customer."""
        return SQL(
            """
            line.id, line.line_type, line.date, line.company_id, line.team_id,
            line.user_id, line.partner_id, partner.country_id, partner.state_id,
            line.product_id, line.categ_id, line.order_id, line.move_id,
            line.amount_ordered, line.amount_invoiced, line.amount_paid,
            line.amount_open, line.amount_overdue
            """
        )

    @api.model
    def _from(self):
        return SQL(
            "(%(lines)s) AS line JOIN res_partner partner "
            "ON partner.id = line.partner_id",
            lines=self._lines(),
        )

    @api.model
    def _lines(self):
        """The rows of every kind, with the same columns (ids kept apart by
        kind: 4 * the line's id + 0, 1, 2 or 3)."""
        return SQL(" UNION ALL ").join(
            SQL("SELECT %s FROM %s WHERE %s", select, from_, where)
            for select, from_, where in (
                (self._select_order(), self._from_order(), self._where_order()),
                (
                    self._select_invoice(),
                    self._from_invoice(),
                    self._where_invoice(),
                ),
                (
                    self._select_receivable(),
                    self._from_receivable(),
                    self._where_receivable(),
                ),
                (
                    self._select_excess_credit(),
                    self._from_excess_credit(),
                    SQL("item.line_id IS NULL"),
                ),
            )
        )

    # Ordered: lines of confirmed sale orders

    @api.model
    def _select_order(self):
        return SQL(
            """
            sol.id * 4 AS id, 'order' AS line_type,
            so.date_order::date AS date, so.company_id, so.team_id, so.user_id,
            partner.commercial_partner_id AS partner_id, sol.product_id,
            tmpl.categ_id, so.id AS order_id, NULL::integer AS move_id,
            sol.price_subtotal / COALESCE(NULLIF(so.currency_rate, 0), 1)
                AS amount_ordered,
            0.0 AS amount_invoiced, 0.0 AS amount_paid, 0.0 AS amount_open,
            0.0 AS amount_overdue
            """
        )

    @api.model
    def _from_order(self):
        return SQL(
            """
            sale_order_line sol
            JOIN sale_order so ON so.id = sol.order_id
            JOIN res_partner partner ON partner.id = so.partner_id
            LEFT JOIN product_product product ON product.id = sol.product_id
            LEFT JOIN product_template tmpl ON tmpl.id = product.product_tmpl_id
            """
        )

    @api.model
    def _where_order(self):
        return SQL("so.state = 'sale' AND sol.display_type IS NULL")

    # Invoiced: product lines of posted customer invoices and credit notes

    @api.model
    def _select_invoice(self):
        return SQL(
            """
            aml.id * 4 + 1, 'invoice', COALESCE(move.invoice_date, move.date),
            move.company_id,
            move.team_id, move.invoice_user_id, move.commercial_partner_id,
            aml.product_id, tmpl.categ_id, NULL::integer, move.id,
            0.0, -aml.balance, 0.0, 0.0, 0.0
            """
        )

    @api.model
    def _from_invoice(self):
        return SQL(
            """
            account_move_line aml
            JOIN account_move move ON move.id = aml.move_id
            LEFT JOIN product_product product ON product.id = aml.product_id
            LEFT JOIN product_template tmpl ON tmpl.id = product.product_tmpl_id
            """
        )

    @api.model
    def _where_invoice(self):
        return SQL(
            "move.state = 'posted' AND move.move_type IN %s "
            "AND aml.display_type = 'product'",
            ("out_invoice", "out_refund"),
        )

    # Paid, open and overdue: the customers' receivable lines

    @api.model
    def _open_items_sql(self):
        """SQL of the open receivable items, selecting at least ``line_id``
        (NULL for a customer's credits beyond all its debits), ``id`` (the
        line, or the customer's latest credit line for that excess),
        ``partner_id``, ``company_id``, ``date_maturity`` and ``open_amount``.

        Here: each unreconciled receivable line with its residual.
        credit_rating replaces it with its one definition of open and
        overdue, where the unapplied credits pay the oldest debits first.
        """
        return SQL(
            """
            SELECT l.id, l.id AS line_id, l.partner_id, l.company_id,
                   COALESCE(l.date_maturity, l.date) AS date_maturity,
                   l.amount_residual AS open_amount
              FROM %s
            """,
            open_lines_sql(SQL("TRUE")),
        )

    @api.model
    def _select_receivable(self):
        return SQL(
            """
            aml.id * 4 + 2, 'receivable', COALESCE(move.invoice_date, aml.date),
            aml.company_id, move.team_id,
            COALESCE(move.invoice_user_id, customer.user_id), aml.partner_id,
            NULL::integer, NULL::integer, NULL::integer, move.id,
            0.0, 0.0, aml.balance - COALESCE(item.open_amount, 0),
            COALESCE(item.open_amount, 0),
            CASE WHEN item.date_maturity < CURRENT_DATE
                 THEN item.open_amount ELSE 0 END
            """
        )

    @api.model
    def _from_receivable(self):
        return SQL(
            """
            account_move_line aml
            JOIN account_account account ON account.id = aml.account_id
            JOIN account_move move ON move.id = aml.move_id
            JOIN res_partner customer ON customer.id = aml.partner_id
            LEFT JOIN open_item item ON item.line_id = aml.id
            """
        )

    @api.model
    def _where_receivable(self):
        """Invoices, credit notes and other debits (a customer's payments
        are not rows: they show as paid on the debits they settle, and an
        unapplied one as open credit on them)."""
        return SQL(
            """
            aml.parent_state = 'posted'
            AND account.account_type = 'asset_receivable'
            AND aml.partner_id IS NOT NULL
            AND (move.move_type IN ('out_invoice', 'out_refund', 'out_receipt')
                 OR aml.balance > 0 OR item.line_id IS NOT NULL)
            """
        )

    @api.model
    def _select_excess_credit(self):
        """A customer's credits beyond all its debits (an advance payment):
        open (negative) and paid."""
        return SQL(
            """
            item.id * 4 + 3, 'receivable', aml.date, item.company_id,
            move.team_id,
            COALESCE(move.invoice_user_id, customer.user_id), item.partner_id,
            NULL::integer, NULL::integer, NULL::integer, move.id,
            0.0, 0.0, -item.open_amount, item.open_amount, 0.0
            """
        )

    @api.model
    def _from_excess_credit(self):
        return SQL(
            """
            open_item item
            JOIN account_move_line aml ON aml.id = item.id
            JOIN account_move move ON move.id = aml.move_id
            JOIN res_partner customer ON customer.id = item.partner_id
            """
        )

    # Actions

    def action_open_document(self):
        self.ensure_one()
        record = self.order_id or self.move_id
        if not record:
            return False
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "view_mode": "form",
        }
