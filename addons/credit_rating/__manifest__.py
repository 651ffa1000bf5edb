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
    ],
    "installable": True,
}
