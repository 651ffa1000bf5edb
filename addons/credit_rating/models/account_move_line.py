from odoo import models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def init(self):
        res = super().init()
        # The open items of credit_open_items (the exposure, the aging, the
        # dunning): posted lines of a partner not reconciled yet, covering
        # what their sums read, so that the check of one customer and the
        # dashboard's sums over every customer read the index alone.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS account_move_line_credit_open_index
                ON account_move_line (partner_id)
                INCLUDE (company_id, account_id, date_maturity, date,
                         amount_residual)
                WHERE parent_state = 'posted'
                  AND reconciled IS NOT TRUE
                  AND amount_residual != 0
                  AND partner_id IS NOT NULL
            """
        )
        return res
