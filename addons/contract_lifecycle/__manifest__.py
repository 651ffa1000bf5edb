{
    "name": "Contract Lifecycle",
    "summary": "Contracts from draft to expiry, versions, and the invoices they allow",
    "version": "18.0.1.0.0",
    "category": "Accounting/Internal Control",
    "license": "LGPL-3",
    "author": "Internal Control Suite",
    "website": "https://github.com/internal-control-suite/odoo-internal-control",
    "depends": ["sales_internal_control"],
    "data": [
        "security/contract_lifecycle_groups.xml",
    ],
    "installable": True,
}
