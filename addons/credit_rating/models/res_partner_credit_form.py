from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import float_round

CREDIT_FIGURE_GROUPS = (
    "account.group_account_invoice,account.group_account_readonly,"
    "credit_rating.group_credit_controller"
)


class ResPartner(models.Model):
    """What the credit tab of a customer shows beyond the figures: how much of
    the limit is used, how the score is made, how the grade moved."""

    _name = "res.partner"
    _inherit = ["res.partner"]

    credit_utilization = fields.Float(
        string="Limit Used (%)",
        compute="_compute_credit_utilization",
        digits=(16, 1),
        groups=CREDIT_FIGURE_GROUPS,
        help="Exposure in percent of the credit limit (0 without a limit).",
    )
    credit_score_breakdown = fields.Html(
        string="Score Breakdown",
        compute="_compute_credit_score_breakdown",
        sanitize=False,
        groups=CREDIT_FIGURE_GROUPS,
        help="Each factor of the company's active scorecard: its value for "
        "this customer today, the points it earns (0-100), its weight and "
        "what it adds to the score.",
    )
    credit_grade_history_ids = fields.One2many(
        "credit.grade.history",
        "partner_id",
        string="Grade History",
        domain=lambda self: [("company_id", "=", self.env.company.id)],
        groups="sales_team.group_sale_salesman,credit_rating.group_credit_controller",
    )

    @api.depends_context("company")
    @api.depends("credit_exposure", "credit_limit")
    def _compute_credit_utilization(self):
        for partner in self:
            commercial = partner.commercial_partner_id
            limit = commercial.sudo().credit_limit
            partner.credit_utilization = (
                float_round(100.0 * partner.credit_exposure / limit, 1)
                if limit > 0
                else 0.0
            )

    @api.depends_context("company", "lang")
    def _compute_credit_score_breakdown(self):
        scorecard = self.env["credit.scorecard"].sudo()._get_active(self.env.company)
        commercial = self.commercial_partner_id
        if not scorecard or not commercial.ids:
            self.credit_score_breakdown = False
            return
        # One grouped query of the ledger for the batch.
        values = scorecard._factor_values(commercial.sudo())
        labels = dict(
            self.env["credit.scorecard.factor"]
            ._fields["factor"]
            ._description_selection(self.env)
        )
        for partner in self:
            partner.credit_score_breakdown = partner._credit_breakdown_html(
                scorecard, values.get(partner.commercial_partner_id.id, {}), labels
            )

    def _credit_breakdown_html(self, scorecard, values, labels):
        self.ensure_one()
        currency = self.env.company.currency_id
        rows = []
        total = 0.0
        for line in scorecard.factor_ids:
            value = values.get(line.factor, 0.0) or 0.0
            points = line._points(value)
            contribution = points * line.weight / 100.0
            total += contribution
            if line.factor in ("registered_capital", "paid_volume_12m"):
                shown = currency.format(value)
            else:
                shown = f"{value:,.1f}".rstrip("0").rstrip(".")
            rows.append(
                Markup(
                    "<tr><td>%s</td><td class='text-end'>%s</td>"
                    "<td class='text-end'>%s</td><td class='text-end'>%s %%</td>"
                    "<td class='text-end fw-bold'>%s</td></tr>"
                )
                % (
                    labels.get(line.factor, line.factor),
                    shown,
                    f"{points:.0f}",
                    f"{line.weight:g}",
                    f"{contribution:.1f}",
                )
            )
        head = Markup(
            "<table class='table table-sm o_credit_score_breakdown mb-0'>"
            "<thead><tr><th>%s</th><th class='text-end'>%s</th>"
            "<th class='text-end'>%s</th><th class='text-end'>%s</th>"
            "<th class='text-end'>%s</th></tr></thead><tbody>"
        ) % (
            self.env._("Factor"),
            self.env._("Value"),
            self.env._("Points"),
            self.env._("Weight"),
            self.env._("Adds"),
        )
        foot = Markup(
            "</tbody><tfoot><tr><td colspan='4'>%s</td>"
            "<td class='text-end fw-bold'>%s</td></tr></tfoot></table>"
        ) % (
            self.env._(
                "Score today with scorecard %(scorecard)s (the grade follows the "
                "last rescoring)",
                scorecard=scorecard.name,
            ),
            f"{total:.0f}",
        )
        return head + Markup("").join(rows) + foot if rows else False
