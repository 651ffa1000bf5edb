from odoo.addons.sales_internal_control.models.control_tools import drop_query_function
from odoo.tools import SQL

from .models.control_budget_total import LOCK_FUNCTION, TOTAL_FUNCTIONS, TOTAL_TABLE


def uninstall_hook(env):
    """Drop the database functions of the budget check and of the budget
    totals, with their triggers (on tables that stay: purchase and journal
    lines, partners), and the totals' table (control_budget_total.py): the
    addon's tables go with their models, these would stay."""
    for name in (LOCK_FUNCTION, *TOTAL_FUNCTIONS):
        drop_query_function(env.cr, name)
    env.cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(TOTAL_TABLE)))
