from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..models.control_log import LOG_EVENTS


class ControlLogExport(models.TransientModel):
    """Export the control log lines matching a filter to Excel."""

    _name = "control.log.export"
    _description = "Export the Control Log to Excel"

    date_from = fields.Date()
    date_to = fields.Date()
    event = fields.Selection(LOG_EVENTS, help="Leave empty for every event.")
    model_id = fields.Many2one(
        "ir.model",
        string="Document Type",
        domain="[('id', 'in', available_model_ids)]",
        ondelete="cascade",
        help="Empty for all: the types of the documents the log has lines of.",
    )
    available_model_ids = fields.Many2many(
        "ir.model", compute="_compute_available_model_ids"
    )
    res_model = fields.Char(
        string="Document Model",
        help="Technical name (e.g. sale.order), for callers that do not give "
        "a Document Type; empty for all.",
    )
    user_id = fields.Many2one("res.users")
    company_ids = fields.Many2many(
        "res.company", default=lambda self: self.env.companies
    )

    @api.depends("company_ids")
    def _compute_available_model_ids(self):
        # One grouped query, whatever the number of lines.
        groups = self.env["control.log"]._read_group(
            [("company_id", "in", self.env.companies.ids)], ["res_model"]
        )
        names = [res_model for (res_model,) in groups]
        models_ = self.env["ir.model"].sudo().search([("model", "in", names)])
        for wizard in self:
            wizard.available_model_ids = models_

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if (
                wizard.date_from
                and wizard.date_to
                and wizard.date_from > wizard.date_to
            ):
                raise ValidationError(
                    self.env._(
                        "The export period ends (%(date_to)s) before it starts "
                        "(%(date_from)s).",
                        date_from=wizard.date_from,
                        date_to=wizard.date_to,
                    )
                )

    def _get_domain(self):
        self.ensure_one()
        domain = [("company_id", "in", self.company_ids.ids or self.env.companies.ids)]
        if self.date_from:
            domain.append(("date", ">=", fields.Datetime.to_datetime(self.date_from)))
        if self.date_to:
            domain.append(
                (
                    "date",
                    "<",
                    fields.Datetime.add(
                        fields.Datetime.to_datetime(self.date_to), days=1
                    ),
                )
            )
        if self.event:
            domain.append(("event", "=", self.event))
        res_model = self.model_id.model or (self.res_model or "").strip()
        if res_model:
            domain.append(("res_model", "=", res_model))
        if self.user_id:
            domain.append(("user_id", "=", self.user_id.id))
        return domain

    def action_export(self):
        self.ensure_one()
        return self.env["control.log"].search(self._get_domain()).action_export_xlsx()
