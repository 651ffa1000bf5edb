from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ControlAccessReviewLine(models.Model):
    _name = "control.access.review.line"
    _description = "Access Review Line"
    _inherit = ["control.guarded.mixin"]
    _order = "review_id, user_id, id"
    _check_company_auto = True

    review_id = fields.Many2one(
        "control.access.review", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="review_id.company_id", store=True, index=True, precompute=True
    )
    state = fields.Selection(related="review_id.state")
    user_id = fields.Many2one(
        "res.users", required=True, domain=[("share", "=", False)], index=True
    )
    group_ids = fields.Many2many(
        "res.groups",
        string="Groups",
        help="The groups under review; Revoke removes them from the user.",
    )
    last_login = fields.Datetime(readonly=True)
    decision = fields.Selection(
        [("keep", "Keep"), ("revoke", "Revoke")], default="keep", required=True
    )
    note = fields.Char()

    _sql_constraints = [
        (
            "review_user_unique",
            "UNIQUE(review_id, user_id)",
            "One line per user in an access review.",
        )
    ]

    def _control_guarded_fields(self):
        fields_ = super()._control_guarded_fields()
        fields_["last_login"] = "engine"
        return fields_

    def _check_decision_values(self, vals_list):
        """Odoo would end a decision outside the selection in a ValueError
        traceback: a clear message instead."""
        allowed = {value for value, _label in self._fields["decision"].selection}
        for vals in vals_list:
            if "decision" in vals and vals["decision"] not in allowed:
                raise ValidationError(
                    self.env._(
                        "Access review %(review)s: the decision of %(user)s must "
                        "be Keep or Revoke (got %(decision)s).",
                        review=", ".join(self.review_id.mapped("display_name"))
                        or self.env["control.access.review"]
                        .browse(vals.get("review_id"))
                        .exists()
                        .display_name
                        or "-",
                        user=", ".join(self.user_id.mapped("name"))
                        or self.env["res.users"]
                        .browse(vals.get("user_id"))
                        .exists()
                        .name
                        or "-",
                        decision=repr(vals["decision"]),
                    )
                )

    @api.constrains("user_id", "review_id")
    def _check_not_reviewer(self):
        for line in self:
            if line.user_id == line.review_id.reviewer_id:
                raise ValidationError(
                    self.env._(
                        "Access review %(review)s: %(user)s cannot review his own "
                        "access (another controller's campaign does).",
                        review=line.review_id.display_name,
                        user=line.user_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_decision_values(vals_list)
        lines = super().create(vals_list)
        lines.review_id._check_not_applied()
        return lines

    def write(self, vals):
        self._check_decision_values([vals])
        self.review_id._check_not_applied()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_applied(self):
        self.review_id._check_not_applied()
