from odoo import Command, fields
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.tests import new_test_user


class BudgetCommon(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.env["control.anomaly.rule"].sudo().search([]).active = False
        cls.env.user.groups_id += cls.env.ref("budget_control.group_budget_manager")
        cls.company.write(
            {
                "budget_yellow_pct": 75.0,
                "budget_orange_pct": 90.0,
                "budget_red_pct": 100,
            }
        )
        cls.plan = cls.env["account.analytic.plan"].create(
            {"name": "Budget Test Cost Centers"}
        )
        cls.account_a = cls.env["account.analytic.account"].create(
            {"name": "Marketing", "plan_id": cls.plan.id, "company_id": False}
        )
        cls.account_b = cls.env["account.analytic.account"].create(
            {"name": "Research", "plan_id": cls.plan.id, "company_id": False}
        )
        cls.vendor = cls.env["res.partner"].create({"name": "Budget Vendor"})
        cls.product = cls.env["product.product"].create(
            {
                "name": "Consulting day",
                "type": "service",
                "purchase_method": "purchase",
                "supplier_taxes_id": [Command.clear()],
                "taxes_id": [Command.clear()],
                "property_account_expense_id": (
                    cls.company_data["default_account_expense"].id
                ),
            }
        )
        cls.purchase_user = new_test_user(
            cls.env,
            login="budget_buyer",
            groups="purchase.group_purchase_user,account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.budget_manager = new_test_user(
            cls.env,
            login="budget_boss",
            groups="budget_control.group_budget_manager,"
            "purchase.group_purchase_user,account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.owner = new_test_user(
            cls.env,
            login="budget_owner",
            groups="sales_internal_control.group_control_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        today = fields.Date.today()
        cls.date_from = today.replace(month=1, day=1)
        cls.date_to = today.replace(month=12, day=31)
        cls.budget_a = cls._budget("Marketing budget", cls.account_a, 1000.0)
        cls.budget_b = cls._budget("Research budget", cls.account_b, 1000.0)

    @classmethod
    def _budget(cls, name, account, amount, company=None, confirm=True):
        budget = cls.env["control.budget"].create(
            {
                "name": name,
                "analytic_account_id": account.id,
                "date_from": cls.date_from,
                "date_to": cls.date_to,
                "amount": amount,
                "user_id": cls.owner.id,
                "company_id": (company or cls.company).id,
            }
        )
        if confirm:
            budget.action_confirm()
        return budget

    @classmethod
    def _po(cls, amount, distribution=None, qty=1.0, currency=None, company=None):
        company = company or cls.company
        distribution = distribution or {str(cls.account_a.id): 100}
        return (
            cls.env["purchase.order"]
            .with_company(company)
            .create(
                {
                    "partner_id": cls.vendor.id,
                    "company_id": company.id,
                    "currency_id": (currency or company.currency_id).id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": cls.product.id,
                                "product_qty": qty,
                                "price_unit": amount / qty,
                                "taxes_id": [Command.clear()],
                                "analytic_distribution": distribution,
                            }
                        )
                    ],
                }
            )
        )

    @classmethod
    def _bill(cls, amount, distribution=None, move_type="in_invoice", currency=None):
        distribution = distribution or {str(cls.account_a.id): 100}
        return cls.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": cls.vendor.id,
                "invoice_date": fields.Date.today(),
                "currency_id": (currency or cls.company.currency_id).id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": cls.product.id,
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                            "analytic_distribution": distribution,
                        }
                    )
                ],
            }
        )

    def _bill_from_po(self, po, qty=None):
        action = po.action_create_invoice()
        bill = self.env["account.move"].browse(action["res_id"])
        bill.invoice_date = fields.Date.today()
        if qty is not None:
            bill.invoice_line_ids.filtered("purchase_line_id").quantity = qty
        return bill

    def _logs(self, event, records):
        return (
            self.env["control.log"]
            .sudo()
            .search(
                [
                    ("event", "=", event),
                    ("res_model", "=", records._name),
                    ("res_id", "in", records.ids),
                ]
            )
        )

    def assertFigures(self, budget, actual, committed):
        budget.invalidate_recordset()
        self.assertAlmostEqual(budget.actual_amount, actual, places=2)
        self.assertAlmostEqual(budget.committed_amount, committed, places=2)
        self.assertAlmostEqual(budget.consumed_amount, actual + committed, places=2)
