from odoo import api, fields, models
from odoo.addons.sales_internal_control.models.control_tools import check_finite
from odoo.exceptions import ValidationError

from .res_partner import CREDIT_GRADES


class CreditGradePolicy(models.Model):
    _name = "credit.grade.policy"
    _description = "Credit Grade Policy"
    _inherit = ["control.finite.mixin"]
    _order = "scorecard_id, grade"
    _check_company_auto = True

    scorecard_id = fields.Many2one(
        "credit.scorecard", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="scorecard_id.company_id", store=True, index=True
    )
    grade = fields.Selection(CREDIT_GRADES, required=True)
    payment_term_id = fields.Many2one(
        "account.payment.term",
        check_company=True,
        help="Payment term set on customers that get this grade.",
    )
    max_credit_limit = fields.Monetary(
        currency_field="currency_id",
        help="Credit limits of customers with this grade are capped to this amount "
        "at rescoring (0: no cap).",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    block_confirmation = fields.Boolean(
        help="Sale orders of customers with this grade cannot be confirmed."
    )

    _sql_constraints = [
        (
            "grade_unique",
            "unique(scorecard_id, grade)",
            "Each grade has one policy per scorecard.",
        ),
    ]

    @api.constrains("max_credit_limit")
    def _check_max_credit_limit(self):
        for policy in self:
            check_finite(
                self.env,
                policy.max_credit_limit,
                self._fields["max_credit_limit"]._description_string(self.env),
                policy._finite_record_name({}),
            )
            if policy.max_credit_limit < 0:
                raise ValidationError(
                    self.env._(
                        "The maximum credit limit of grade %(grade)s on %(scorecard)s "
                        "cannot be negative (%(amount)s).",
                        grade=policy.grade,
                        scorecard=policy.scorecard_id.name,
                        amount=policy.max_credit_limit,
                    )
                )

    def _finite_record_name(self, vals):
        if self:
            grades, scorecards = self.mapped("grade"), self.scorecard_id
        else:
            grades = [vals.get("grade") or ""]
            scorecards = self.scorecard_id.browse(vals.get("scorecard_id"))
        return self.env._(
            "Grade %(grade)s policy of scorecard %(scorecard)s",
            grade=", ".join(grades),
            scorecard=", ".join(scorecards.mapped("name")),
        )
