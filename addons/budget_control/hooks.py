def uninstall_hook(env):
    """Drop the database function of the budget check
    (control.budget.init): the addon's tables go with their
    models, the function would stay."""
    env.cr.execute(
        "DROP FUNCTION IF EXISTS control_budget_lock_and_measure(int[], int[])"
    )
