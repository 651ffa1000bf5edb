from odoo import api, fields, models

from .res_partner import CREDIT_GRADES


class CreditGradeHistory(models.Model):
    _name = "credit.grade.history"
    _description = "Credit Grade Change"
    _order = "date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
        readonly=True,
    )
    date = fields.Datetime(default=fields.Datetime.now, required=True, readonly=True)
    old_grade = fields.Selection(CREDIT_GRADES, readonly=True)
    new_grade = fields.Selection(CREDIT_GRADES, readonly=True)
    score = fields.Integer(readonly=True)
    user_id = fields.Many2one(
        "res.users", default=lambda self: self.env.user, readonly=True
    )
    downgrade = fields.Boolean(compute="_compute_downgrade", store=True)

    @api.depends("old_grade", "new_grade")
    def _compute_downgrade(self):
        for line in self:
            line.downgrade = bool(
                line.new_grade
                and (not line.old_grade or line.new_grade > line.old_grade)
            )
