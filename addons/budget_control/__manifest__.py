{
    "name": "Budget Control",
    "summary": "Budgets per analytic account with commitments, actuals and "
    "three alert levels",
    "version": "18.0.1.0.0",
    "category": "Accounting/Internal Control",
    "license": "LGPL-3",
    "author": "Internal Control Suite",
    "website": "https://github.com/internal-control-suite/odoo-internal-control",
    "depends": ["sales_internal_control"],
    "data": [
        "security/budget_control_groups.xml",
    ],
    "installable": True,
}
