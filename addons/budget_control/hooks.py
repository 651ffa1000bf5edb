from odoo.addons.sales_internal_control.models.control_tools import drop_query_function


def uninstall_hook(env):
    """Drop the database function of the budget check
    (control.budget.init): the addon's tables go with their models, the
    function would stay."""
    drop_query_function(env.cr, "control_budget_lock_and_measure")
