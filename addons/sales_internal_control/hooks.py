def uninstall_hook(env):
    """Drop the indexes this addon put on Odoo's own columns (the ones on its
    own columns go with the columns)."""
    env.cr.execute(
        """
        DROP INDEX IF EXISTS account_move_ic_vendor_bill_partner_index;
        DROP INDEX IF EXISTS account_move_ic_vendor_bill_ref_index;
        DROP INDEX IF EXISTS account_payment_ic_partner_date_index;
        DROP INDEX IF EXISTS purchase_order_ic_partner_date_index;
        DROP INDEX IF EXISTS sale_order_ic_partner_date_index;
        DROP INDEX IF EXISTS res_partner_ic_normalised_vat_index;
        DROP INDEX IF EXISTS res_partner_ic_normalised_name_index;
        """
    )
