from odoo import models
from odoo.tools.sql import create_index


class AccountMove(models.Model):
    _inherit = "account.move"

    def init(self):
        res = super().init()
        # Draft customer invoices are a bucket of the credit exposure.
        create_index(
            self.env.cr,
            "account_move_credit_draft_partner_index",
            self._table,
            ["commercial_partner_id"],
            where="state = 'draft'",
        )
        return res
