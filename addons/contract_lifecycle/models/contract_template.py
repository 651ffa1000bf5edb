from odoo import api, fields, models
from odoo.exceptions import ValidationError

# The terms a template gives a contract; a contract from a locked template
# that changes any of them needs the legal tier.
TEMPLATE_TERMS = ("payment_term_id", "delivery_terms", "penalty_terms")


class ContractTemplate(models.Model):
    """Standard terms drafted by the legal department.

    Only ``contract_lifecycle.group_contract_legal`` creates, changes or
    deletes templates (access rights); everyone who drafts contracts reads
    them.
    """

    _name = "contract.template"
    _description = "Contract Template"
    _inherit = ["mail.thread"]
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    contract_type = fields.Selection(
        [("sale", "Customer Contract"), ("purchase", "Vendor Contract")],
        string="Type",
        tracking=True,
    )
    payment_term_id = fields.Many2one(
        "account.payment.term", check_company=True, tracking=True
    )
    delivery_terms = fields.Text(tracking=True)
    penalty_terms = fields.Text(tracking=True)
    locked = fields.Boolean(
        tracking=True,
        help="Contracts made from a locked template that change its terms need "
        "the approval of the legal department (an extra approval tier).",
    )

    @api.constrains("contract_type", "name")
    def _check_contract_type(self):
        for template in self:
            if not template.contract_type:
                raise ValidationError(
                    self.env._(
                        "Contract template %(template)s needs a type (customer or "
                        "vendor contract).",
                        template=template.name,
                    )
                )

    def _template_values(self):
        """The values a contract takes from this template."""
        self.ensure_one()
        return {
            "contract_type": self.contract_type,
            "payment_term_id": self.payment_term_id.id,
            "delivery_terms": self.delivery_terms,
            "penalty_terms": self.penalty_terms,
        }
