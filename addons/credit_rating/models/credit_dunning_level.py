from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CreditDunningLevel(models.Model):
    """A step of the dunning: how many days late, what is sent, what follows."""

    _name = "credit.dunning.level"
    _description = "Dunning Level"
    _order = "company_id, sequence, days_overdue, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    days_overdue = fields.Integer(
        required=True,
        help="An invoice reaches this level when it is at least this many days "
        "past its due date. Strictly increasing with the sequence in a company.",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="E-mail Template",
        domain="[('model', '=', 'credit.dunning')]",
        help="Sent to the customer when one of its invoices reaches this level, "
        "listing all its overdue invoices. Without a template nothing is sent.",
    )
    create_activity = fields.Boolean(
        help="Schedule an activity on the customer when it reaches this level."
    )
    activity_user = fields.Selection(
        [("salesperson", "Salesperson"), ("credit_controller", "Credit Controller")],
        string="Activity For",
        default="salesperson",
        help="Salesperson: the customer's salesperson (a credit controller when "
        "it has none). Credit controller: the company's first credit controller.",
    )
    credit_hold = fields.Boolean(
        help="Put the customer on credit hold when one of its invoices reaches "
        "this level; lifted by the dunning when no open invoice is at this level "
        "any more (a hold set by a credit controller stays).",
    )
    attach_statement = fields.Boolean(
        string="Attach Customer Statement",
        default=True,
        help="Attach the customer statement (PDF of the customer's open items) "
        "to the mail of this level. Without a PDF engine (wkhtmltopdf) the mail "
        "is sent without it and the communication says so.",
    )
    active = fields.Boolean(default=True)

    @api.constrains("days_overdue", "sequence", "company_id", "active")
    def _check_days_overdue(self):
        for company in self.company_id:
            levels = self.search(
                [("company_id", "=", company.id)], order="sequence, days_overdue, id"
            )
            previous = None
            for level in levels:
                if level.days_overdue < 1:
                    raise ValidationError(
                        self.env._(
                            "Dunning level %(level)s of %(company)s: the days "
                            "overdue must be at least 1 (got %(days)s).",
                            level=level.name,
                            company=company.name,
                            days=level.days_overdue,
                        )
                    )
                if previous and level.days_overdue <= previous.days_overdue:
                    raise ValidationError(
                        self.env._(
                            "Dunning levels of %(company)s must have strictly "
                            "increasing days overdue: %(level)s (%(days)s days) "
                            "comes after %(previous)s (%(previous_days)s days).",
                            company=company.name,
                            level=level.name,
                            days=level.days_overdue,
                            previous=previous.name,
                            previous_days=previous.days_overdue,
                        )
                    )
                previous = level

    @api.model
    def _levels_by_company(self, companies):
        """{company id: active levels ordered by days}, in one query."""
        levels = self.sudo().search(
            [("company_id", "in", companies.ids)], order="days_overdue, id"
        )
        result = {company.id: self.browse() for company in companies}
        for level in levels:
            result[level.company_id.id] |= level
        return result

    @staticmethod
    def _level_for_days(levels, days):
        """The highest of ``levels`` (ordered by days) reached at ``days`` late."""
        reached = levels.browse()
        for level in levels:
            if level.days_overdue <= days:
                reached = level
        return reached
