from odoo import api, fields, models
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)


class ControlLog(models.Model):
    """Export lines of the control log, and the mass-export detector's
    documents (see ``control_anomaly_mass_export.py``)."""

    _name = "control.log"
    _inherit = ["control.log", "control.anomaly.mixin"]

    export_rows = fields.Integer(
        string="Exported Rows",
        readonly=True,
        help="Export lines: the number of rows of the exported file.",
    )

    def _anomaly_relevant(self, detector):
        if detector == "mass_export":
            return self.event == "export" and self.control == "export"
        return super()._anomaly_relevant(detector)

    @api.model
    def _log_export(self, records, field_names, rows):
        """Write the ``export`` line of an export of ``records`` (in sudo:
        the exporting user may not read the log) and run the mass-export
        rules on it."""
        model_label = records._description
        names = [str(name) for name in field_names or ()]
        message = self.env["control.log"]._text(
            _lt(
                "%(user)s exported %(rows)s rows (%(records)s records) of "
                "%(model)s (%(model_name)s), fields: %(fields)s.",
                user=self.env.user.name,
                rows=rows,
                records=len(records),
                model=model_label,
                model_name=records._name,
                fields=", ".join(names) or "-",
            )
        )
        line = self.sudo().create(
            {
                "event": "export",
                "res_model": records._name,
                "res_id": records.id if len(records) == 1 else False,
                "res_name": model_label,
                "user_id": self.env.uid,
                "message": message,
                "export_rows": rows,
                "company_id": self.env.company.id,
                "control": "export",
            }
        )
        line._anomaly_record(line._anomaly_evaluate())
        return line
