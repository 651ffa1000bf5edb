from odoo import models

from .res_partner_bank import MASKED_FIELDS, mask_number


class MailTrackingValue(models.Model):
    _inherit = "mail.tracking.value"

    def _tracking_value_format(self):
        """The chatter's tracked bank account numbers masked, as the numbers
        themselves, for users without accounting rights (the chatter reads
        trackings in sudo: the user of the environment decides)."""
        formatted = super()._tracking_value_format()
        if not self.env["res.partner.bank"]._bank_numbers_masked():
            return formatted
        masked_ids = set(
            self.filtered(
                lambda tracking: (
                    tracking.field_id.model == "res.partner.bank"
                    and tracking.field_id.name in MASKED_FIELDS
                )
            ).ids
        )
        for values in formatted:
            if values["id"] in masked_ids:
                for key in ("oldValue", "newValue"):
                    value = values[key].get("value")
                    if isinstance(value, str):
                        values[key]["value"] = mask_number(value)
        return formatted
