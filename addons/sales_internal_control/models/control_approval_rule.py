from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError
from odoo.tools.safe_eval import safe_eval

from .control_tools import check_finite

APPROVAL_MODELS = [
    ("sale.order", "Sale Order"),
    ("purchase.order", "Purchase Order"),
    ("account.move", "Invoice / Vendor Bill"),
    ("account.payment", "Payment"),
]


class ControlApprovalRule(models.Model):
    """When a document needs approval, and by whom (its tiers).

    A rule applies to a document when all its set conditions hold: the total
    in company currency reaches ``amount_min``, a line's discount reaches
    ``discount_min`` (sale orders), and the document matches ``domain``.
    """

    _name = "control.approval.rule"
    _description = "Approval Rule"
    _inherit = ["control.finite.mixin", "control.rule.cache.mixin"]
    _order = "model_name, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    model_name = fields.Selection(
        APPROVAL_MODELS, string="Document Type", required=True, index=True
    )
    amount_min = fields.Monetary(
        string="Minimum Amount",
        currency_field="currency_id",
        help="The rule applies when the document's total, converted to the "
        "company currency, is at least this amount. 0: any amount.",
    )
    discount_min = fields.Float(
        string="Minimum Discount (%)",
        help="Sale orders only: the rule applies when a line's discount is at "
        "least this percentage. 0: not used.",
    )
    domain = fields.Char(
        default="[]",
        help="Extra condition on the document, as an Odoo domain, e.g. "
        "[('move_type', '=', 'in_invoice')].",
    )
    tier_ids = fields.One2many("control.approval.tier", "rule_id", string="Tiers")
    request_ids = fields.One2many("control.approval.request", "rule_id")

    @api.constrains("tier_ids", "model_name", "active")
    def _check_tiers(self):
        for rule in self:
            if rule.active and not rule.tier_ids:
                raise ValidationError(
                    self.env._(
                        "Approval rule %(rule)s has no tier: add at least one "
                        "approver group or user.",
                        rule=rule.name,
                    )
                )

    @api.constrains("amount_min", "discount_min", "model_name")
    def _check_amounts(self):
        for rule in self:
            record = self.env._("Approval rule %(rule)s", rule=rule.name)
            check_finite(
                self.env, rule.amount_min, self.env._("the minimum amount"), record
            )
            check_finite(
                self.env, rule.discount_min, self.env._("the minimum discount"), record
            )
            if rule.amount_min < 0:
                raise ValidationError(
                    self.env._(
                        "Approval rule %(rule)s: the minimum amount %(amount)s "
                        "cannot be negative.",
                        rule=rule.name,
                        amount=rule.amount_min,
                    )
                )
            if not 0 <= rule.discount_min <= 100:
                raise ValidationError(
                    self.env._(
                        "Approval rule %(rule)s: the minimum discount "
                        "%(discount)s%% must be between 0 and 100.",
                        rule=rule.name,
                        discount=rule.discount_min,
                    )
                )
            if rule.discount_min and rule.model_name != "sale.order":
                raise ValidationError(
                    self.env._(
                        "Approval rule %(rule)s: a minimum discount only applies "
                        "to sale orders.",
                        rule=rule.name,
                    )
                )

    @api.constrains("domain", "model_name")
    def _check_domain(self):
        for rule in self:
            try:
                domain = rule._get_domain()
                self.env[rule.model_name].search(domain, limit=1)
            except Exception as error:  # noqa: BLE001 any invalid domain
                raise ValidationError(
                    self.env._(
                        "Approval rule %(rule)s: the domain %(domain)s is not "
                        "valid for %(model)s (%(error)s).",
                        rule=rule.name,
                        domain=rule.domain,
                        model=rule.model_name,
                        error=error,
                    )
                ) from error

    def _get_domain(self):
        self.ensure_one()
        domain = safe_eval(self.domain or "[]")
        if not isinstance(domain, list | tuple):
            raise ValueError(self.env._("a domain must be a list"))
        return list(domain)

    # ------------------------------------------------------------------ lookup
    @api.model
    @tools.ormcache("model_name", "company_ids")
    def _get_active_rule_ids(self, model_name, company_ids):
        """Ids of the active rules of a document type in these companies.

        Cached: every confirmation asks, rules change rarely. Any change of a
        rule clears the cache (of every worker, through Odoo's registry
        signalling).
        """
        return tuple(
            self.sudo()
            .search(
                [
                    ("model_name", "=", model_name),
                    ("company_id", "in", list(company_ids)),
                ]
            )
            .ids
        )
