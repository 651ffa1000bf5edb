from odoo import api, models

CONFIRMED = ("purchase", "done")
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
        )
