{
    "name": "Budget Control",
    "summary": "Budgets per analytic account with commitments, actuals and "
    "three alert levels",
    "version": "18.0.1.3.0",
    "category": "Accounting/Internal Control",
    "license": "LGPL-3",
    "author": "Internal Control Suite",
    "website": "https://github.com/internal-control-suite/odoo-internal-control",
    "depends": ["sales_internal_control"],
    "data": [
        "security/budget_control_groups.xml",
        "security/ir.model.access.csv",
        "security/budget_control_rules.xml",
        "data/ir_sequence_data.xml",
        "data/ir_cron_data.xml",
        "views/control_budget_views.xml",
        "views/control_budget_change_views.xml",
        "views/res_config_settings_views.xml",
        "wizards/control_budget_release_views.xml",
        "report/control_budget_report_views.xml",
        "views/purchase_order_views.xml",
        "views/account_move_views.xml",
        "views/account_payment_views.xml",
        "views/budget_control_menus.xml",
    ],
    "demo": [
        "demo/control_budget_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "budget_control/static/src/js/budget_level_fields.js",
            "budget_control/static/src/scss/budget_level.scss",
        ],
    },
    "installable": True,
    "uninstall_hook": "uninstall_hook",
}
