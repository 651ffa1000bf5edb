from odoo.addons.sales_internal_control.models.control_tools import drop_query_function


def uninstall_hook(env):
    """Drop the indexes this addon put on Odoo's own columns (the ones on its
    own columns go with the columns) and the credit check's function."""
    env.cr.execute(
        """
        DROP INDEX IF EXISTS account_move_line_credit_open_index;
        DROP INDEX IF EXISTS account_move_credit_draft_partner_index;
        """
    )
    drop_query_function(env.cr, "credit_rating_lock_and_measure")
