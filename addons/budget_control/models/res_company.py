import math

from odoo import api, fields, models
from odoo.addons.sales_internal_control.models.res_company import SETTINGS_PREFETCH
from odoo.exceptions import ValidationError

# Above this a red threshold no longer blocks anything that matters (ten
# times the planned amount): a typo, or a way of switching the block off.
BUDGET_MAX_PCT = 1000.0


class ResCompany(models.Model):
    _inherit = "res.company"

    budget_yellow_pct = fields.Float(
        prefetch=SETTINGS_PREFETCH,
        string="Budget Yellow Threshold (%)",
        default=75.0,
        help="Consumption (actual + committed) from which a budget is yellow.",
    )
    budget_orange_pct = fields.Float(
        prefetch=SETTINGS_PREFETCH,
        string="Budget Orange Threshold (%)",
        default=90.0,
        help="Consumption from which a budget is orange.",
    )
    budget_red_pct = fields.Float(
        prefetch=SETTINGS_PREFETCH,
        string="Budget Red Threshold (%)",
        default=100.0,
        help="Consumption from which a budget is red: documents that reach it "
        "are blocked unless a budget manager releases them.",
    )

    budget_payment_hold_pct = fields.Float(
        prefetch=SETTINGS_PREFETCH,
        string="Budget Payment Hold (%)",
        default=0.0,
        help="Consumption from which outgoing payments of vendor bills charged "
        "to a budget wait for a budget manager's approval. 0: off.",
    )

    @api.constrains("budget_payment_hold_pct")
    def _check_budget_payment_hold_pct(self):
        for company in self:
            pct = company.budget_payment_hold_pct
            if not math.isfinite(pct) or not 0 <= pct <= BUDGET_MAX_PCT:
                raise ValidationError(
                    self.env._(
                        "The budget payment hold of %(company)s must be between 0 "
                        "(off) and %(max)s%% (got %(pct)s%%).",
                        company=company.name,
                        max=BUDGET_MAX_PCT,
                        pct=pct,
                    )
                )

    @api.constrains("budget_yellow_pct", "budget_orange_pct", "budget_red_pct")
    def _check_budget_thresholds(self):
        for company in self:
            yellow = company.budget_yellow_pct
            orange = company.budget_orange_pct
            red = company.budget_red_pct
            finite = all(math.isfinite(pct) for pct in (yellow, orange, red))
            if not finite or red > BUDGET_MAX_PCT:
                raise ValidationError(
                    self.env._(
                        "Budget thresholds of %(company)s must be finite numbers "
                        "of at most %(max)s%% (yellow %(yellow)s%%, orange "
                        "%(orange)s%%, red %(red)s%%).",
                        company=company.name,
                        max=BUDGET_MAX_PCT,
                        yellow=yellow,
                        orange=orange,
                        red=red,
                    )
                )
            if not (0 < yellow < orange <= red):
                raise ValidationError(
                    self.env._(
                        "Budget thresholds of %(company)s must satisfy "
                        "0 < yellow < orange <= red (yellow %(yellow)s%%, "
                        "orange %(orange)s%%, red %(red)s%%).",
                        company=company.name,
                        yellow=yellow,
                        orange=orange,
                        red=red,
                    )
                )
