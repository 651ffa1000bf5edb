from odoo import models

# Models whose exports are logged (contract.contract belongs to
# contract_lifecycle: matched by name, whatever addons are installed).
EXPORT_LOGGED_MODELS = frozenset(
    {
        "res.partner",
        "sale.order",
        "account.move",
        "account.payment",
        "contract.contract",
        "control.log",
    }
)


class Base(models.AbstractModel):
    _inherit = "base"

    def export_data(self, fields_to_export):
        """Every export of the sensitive models writes an ``export`` log line
        (the web client's CSV and Excel exports call this method, once per
        group of a grouped export, and so do XML-RPC clients)."""
        result = super().export_data(fields_to_export)
        if self._name in EXPORT_LOGGED_MODELS:
            self.env["control.log"]._log_export(
                self, fields_to_export, len(result.get("datas") or ())
            )
        return result
