{
    "name": "Sales Internal Control",
    "summary": "Tiered approvals, segregation of duties, audit trail and team "
    "access for sales, purchases, invoices and payments",
    "version": "18.0.1.0.0",
    "category": "Accounting/Internal Control",
    "license": "LGPL-3",
    "author": "Internal Control Suite",
    "website": "https://github.com/internal-control-suite/odoo-internal-control",
    "depends": ["sale_management", "purchase", "account", "mail"],
    "external_dependencies": {"python": ["xlsxwriter"]},
    "data": [
        "security/sales_internal_control_groups.xml",
        "security/ir.model.access.csv",
        "security/sales_internal_control_rules.xml",
        "views/control_log_views.xml",
        "views/res_config_settings_views.xml",
        "wizards/control_log_export_views.xml",
        "views/sales_internal_control_menus.xml",
    ],
    "demo": [
        "demo/res_users_demo.xml",
    ],
    "application": True,
    "installable": True,
}
