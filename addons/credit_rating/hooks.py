from odoo.addons.sales_internal_control.models.control_tools import drop_query_function
from odoo.tools import SQL

from .models.credit_exposure_ledger import LEDGER_FUNCTIONS, LEDGER_TABLE, LOCK_TABLE


def uninstall_hook(env):
    """Drop the indexes this addon put on Odoo's own columns (the ones on its
    own columns go with the columns), the credit check's function, and the
    exposure ledger: its functions with their triggers (on tables that stay:
    journal items, order lines, journal entries, accounts), its table and the
    credit check's lock table (credit_exposure_ledger.py)."""
    env.cr.execute(
        """
        DROP INDEX IF EXISTS account_move_line_credit_open_index;
        DROP INDEX IF EXISTS account_move_credit_draft_partner_index;
        """
    )
    for name in ("credit_rating_lock_and_measure", *LEDGER_FUNCTIONS):
        drop_query_function(env.cr, name)
    for table in (LEDGER_TABLE, LOCK_TABLE):
        env.cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(table)))
