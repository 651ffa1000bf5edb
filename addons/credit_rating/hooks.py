def uninstall_hook(env):
    """Drop the indexes this addon put on Odoo's own columns (the ones on its
    own columns go with the columns)."""
    env.cr.execute(
        """
        DROP INDEX IF EXISTS account_move_line_credit_open_index;
        DROP INDEX IF EXISTS account_move_credit_draft_partner_index;
        """
    )
