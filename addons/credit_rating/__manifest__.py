{
    "name": "Credit Rating",
    "summary": "Customer scorecards, grades A-D, credit exposure and "
    "credit blocking at order confirmation",
    "version": "18.0.1.0.0",
    "category": "Accounting/Internal Control",
    "license": "LGPL-3",
    "author": "Internal Control Suite",
    "website": "https://github.com/internal-control-suite/odoo-internal-control",
    "depends": ["sales_internal_control"],
    "data": [
        "security/credit_rating_groups.xml",
        "security/ir.model.access.csv",
        "security/credit_rating_rules.xml",
        "data/credit_rating_data.xml",
        "wizards/credit_release_wizard_views.xml",
        "views/res_partner_views.xml",
        "views/sale_order_views.xml",
        "views/credit_scorecard_views.xml",
        "views/res_config_settings_views.xml",
        "report/credit_exposure_report_views.xml",
        "views/credit_rating_menus.xml",
    ],
    "demo": [
        "demo/credit_rating_demo.xml",
    ],
    "installable": True,
}
