from odoo import api, fields, models
from odoo.addons.sales_internal_control.models.control_tools import check_finite
from odoo.exceptions import ValidationError

from .credit_scorecard import SAVING_KEY

SCORECARD_FACTORS = [
    ("overdue_count_6m", "Overdue Invoices (6 Months)"),
    ("max_days_late_12m", "Worst Days Late (12 Months)"),
    ("avg_days_to_pay_12m", "Average Days to Pay (12 Months)"),
    ("customer_age_months", "Customer Age (Months)"),
    ("registered_capital", "Registered Capital"),
    ("paid_volume_12m", "Paid Volume (12 Months)"),
]

# (value giving 100 points, value giving 0 points)
FACTOR_DEFAULT_SCALE = {
    "overdue_count_6m": (0.0, 6.0),
    "max_days_late_12m": (0.0, 90.0),
    "avg_days_to_pay_12m": (0.0, 90.0),
    "customer_age_months": (60.0, 0.0),
    "registered_capital": (1000000.0, 0.0),
    "paid_volume_12m": (500000.0, 0.0),
}


class CreditScorecardFactor(models.Model):
    _name = "credit.scorecard.factor"
    _description = "Credit Scorecard Factor"
    _inherit = ["control.finite.mixin"]
    _order = "scorecard_id, sequence, id"

    scorecard_id = fields.Many2one(
        "credit.scorecard", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="scorecard_id.company_id", store=True, index=True
    )
    sequence = fields.Integer(default=10)
    factor = fields.Selection(SCORECARD_FACTORS, required=True)
    weight = fields.Float(string="Weight (%)", required=True, digits=(5, 2))
    best_value = fields.Float(
        compute="_compute_scale",
        store=True,
        readonly=False,
        help="Value of the factor that earns all the points.",
    )
    worst_value = fields.Float(
        compute="_compute_scale",
        store=True,
        readonly=False,
        help="Value of the factor that earns no point; points are linear in between.",
    )

    _sql_constraints = [
        (
            "factor_unique",
            "unique(scorecard_id, factor)",
            "Each factor appears once per scorecard.",
        ),
    ]

    # Factor rows written on their own (not through their scorecard's form)
    # keep the weights of a scorecard summing to 100. A scorecard save marks
    # itself in the transaction cache (CreditScorecard._saving), its own
    # constraint checks the sum; no context key switches the check off. The
    # rescoring checks it again in any case.

    def _check_scorecard_weights(self, scorecards):
        saving = self.env.cr.cache.get(SAVING_KEY) or {}
        scorecards.exists().filtered(
            lambda scorecard: not saving.get(scorecard.id)
        )._check_weights()

    @api.model_create_multi
    def create(self, vals_list):
        factors = super().create(vals_list)
        self._check_scorecard_weights(factors.scorecard_id)
        return factors

    def write(self, vals):
        scorecards = self.scorecard_id
        result = super().write(vals)
        self._check_scorecard_weights(scorecards | self.scorecard_id)
        return result

    def unlink(self):
        scorecards = self.scorecard_id
        result = super().unlink()
        self._check_scorecard_weights(scorecards)
        return result

    @api.depends("factor")
    def _compute_scale(self):
        for line in self:
            best, worst = FACTOR_DEFAULT_SCALE.get(line.factor, (0.0, 0.0))
            line.best_value = best
            line.worst_value = worst

    @api.constrains("weight", "best_value", "worst_value")
    def _check_values(self):
        for line in self:
            record = line._finite_record_name({})
            for name in ("weight", "best_value", "worst_value"):
                check_finite(
                    self.env,
                    line[name],
                    self._fields[name]._description_string(self.env),
                    record,
                )
            if line.weight < 0 or line.weight > 100:
                raise ValidationError(
                    self.env._(
                        "The weight of factor %(factor)s on %(scorecard)s must be "
                        "between 0 and 100 (got %(weight)s).",
                        factor=line._factor_label(),
                        scorecard=line.scorecard_id.name,
                        weight=line.weight,
                    )
                )
            if line.best_value == line.worst_value:
                raise ValidationError(
                    self.env._(
                        "Factor %(factor)s on %(scorecard)s needs different best and "
                        "worst values (both %(value)s).",
                        factor=line._factor_label(),
                        scorecard=line.scorecard_id.name,
                        value=line.best_value,
                    )
                )

    def _finite_record_name(self, vals):
        if self:
            factors = [line.factor for line in self]
            scorecards = self.scorecard_id
        else:
            factors = [vals.get("factor")]
            scorecards = self.scorecard_id.browse(vals.get("scorecard_id"))
        return self.env._(
            "Factor %(factor)s of scorecard %(scorecard)s",
            factor=", ".join(self._factor_label(factor) for factor in factors),
            scorecard=", ".join(scorecards.mapped("name")),
        )

    def _factor_label(self, factor=None):
        factor = factor or self.factor
        return dict(self._fields["factor"]._description_selection(self.env)).get(
            factor, factor or ""
        )

    def _points(self, value):
        """Points (0-100) earned by ``value``, linear between worst and best."""
        self.ensure_one()
        span = self.best_value - self.worst_value
        ratio = (value - self.worst_value) / span if span else 0.0
        return max(0.0, min(1.0, ratio)) * 100.0
