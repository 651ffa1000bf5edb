from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ControlApprovalTier(models.Model):
    """One approval step of a rule: a group and/or a user decides it."""

    _name = "control.approval.tier"
    _description = "Approval Tier"
    _order = "sequence, id"

    rule_id = fields.Many2one(
        "control.approval.rule", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="rule_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    group_id = fields.Many2one(
        "res.groups", string="Approver Group", ondelete="restrict"
    )
    user_id = fields.Many2one("res.users", string="Approver", ondelete="restrict")

    @api.constrains("group_id", "user_id", "name")
    def _check_approver(self):
        for tier in self:
            if not tier.group_id and not tier.user_id:
                raise ValidationError(
                    self.env._(
                        "Tier %(tier)s of rule %(rule)s needs an approver group or "
                        "user.",
                        tier=tier.name,
                        rule=tier.rule_id.name,
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_last_tier(self):
        for rule in self.rule_id.filtered("active"):
            if not rule.tier_ids - self:
                raise ValidationError(
                    self.env._(
                        "Approval rule %(rule)s would have no tier left: archive "
                        "the rule or add another tier first.",
                        rule=rule.name,
                    )
                )
