def migrate(cr, version):
    """The budget analysis was a transient table refilled per click
    (control.budget.analysis); it is the SQL report control.budget.report
    now. Odoo removed the model but may leave its table behind: drop it."""
    cr.execute(
        """
        SELECT 1 FROM ir_model WHERE model = 'control.budget.analysis'
        """
    )
    if not cr.fetchone():
        cr.execute("DROP TABLE IF EXISTS control_budget_analysis CASCADE")
