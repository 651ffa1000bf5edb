from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tests.common import TransactionCase

from .common import SOD_RULES_OFF


@tagged("post_install", "-at_install")
class TestSalesAnalysis(TransactionCase):
    """The sales analysis: its measures, and who sees which rows (as for
    sale orders: own, team, all documents, company)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.write(SOD_RULES_OFF)
        cls.env["control.approval.rule"].search([]).active = False
        cls.env["control.anomaly.rule"].sudo().search([]).active = False
        salesman = "sales_team.group_sale_salesman"
        team_docs = "sales_internal_control.group_sale_team_documents"
        cls.leader = new_test_user(cls.env, login="ic_sa_leader", groups=team_docs)
        cls.seller = new_test_user(cls.env, login="ic_sa_seller", groups=salesman)
        cls.outsider = new_test_user(cls.env, login="ic_sa_outside", groups=salesman)
        cls.controller = new_test_user(
            cls.env,
            login="ic_sa_controller",
            groups="sales_internal_control.group_control_manager",
        )
        cls.plain = new_test_user(
            cls.env, login="ic_sa_plain", groups="base.group_user"
        )
        cls.team = cls.env["crm.team"].create(
            {
                "name": "IC Analysis North",
                "user_id": cls.leader.id,
                "member_ids": [Command.set(cls.seller.ids)],
            }
        )
        cls.other_team = cls.env["crm.team"].create(
            {"name": "IC Analysis South", "member_ids": [Command.set(cls.outsider.ids)]}
        )
        cls.category = cls.env["product.category"].create({"name": "IC Analysis"})
        cls.product = cls.env["product.product"].create(
            {
                "name": "IC Analysis Item",
                "categ_id": cls.category.id,
                "invoice_policy": "order",
                "taxes_id": [Command.clear()],
            }
        )
        cls.partner = cls.env["res.partner"].create(
            {"name": "IC Analysis Customer", "is_company": True}
        )
        cls.contact = cls.env["res.partner"].create(
            {"name": "IC Analysis Buyer", "parent_id": cls.partner.id}
        )
        cls.team_order = cls._order(cls.seller, cls.team, 300.0)
        cls.other_order = cls._order(cls.outsider, cls.other_team, 50.0)
        cls.team_invoice = cls.team_order._create_invoices()
        cls.team_invoice.action_post()

    @classmethod
    def _order(cls, user, team, price):
        order = cls.env["sale.order"].create(
            {
                "partner_id": cls.contact.id,
                "user_id": user.id,
                "team_id": team.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": cls.product.id,
                            "product_uom_qty": 2,
                            "price_unit": price,
                            "tax_id": [Command.clear()],
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        return order

    def _rows(self, user):
        self.env.flush_all()
        return (
            self.env["control.sales.analysis"]
            .with_user(user)
            .search([("partner_id", "=", self.partner.id)])
        )

    def test_measures_by_customer_and_category(self):
        [(ordered, invoiced)] = (
            self.env["control.sales.analysis"]
            .with_user(self.controller)
            ._read_group(
                [("categ_id", "=", self.category.id)],
                [],
                ["amount_ordered:sum", "amount_invoiced:sum"],
            )
        )
        self.assertAlmostEqual(ordered, 700.0)
        self.assertAlmostEqual(invoiced, 600.0)
        rows = self._rows(self.controller)
        # Rows name the commercial partner, the order's team and salesperson.
        self.assertEqual(rows.partner_id, self.partner)
        order_rows = rows.filtered(lambda row: row.line_type == "order")
        self.assertEqual(order_rows.order_id, self.team_order | self.other_order)
        self.assertEqual(
            rows.filtered(lambda row: row.line_type == "invoice").move_id,
            self.team_invoice,
        )
        self.assertAlmostEqual(sum(rows.mapped("amount_open")), 600.0)
        self.assertAlmostEqual(sum(rows.mapped("amount_paid")), 0.0)
        action = order_rows[:1].action_open_document()
        self.assertEqual(action["res_model"], "sale.order")

    def test_who_sees_which_rows(self):
        team_orders = self._rows(self.leader).order_id
        self.assertEqual(team_orders, self.team_order)
        self.assertEqual(self._rows(self.seller).order_id, self.team_order)
        self.assertEqual(self._rows(self.outsider).order_id, self.other_order)
        self.assertEqual(
            self._rows(self.controller).order_id, self.team_order | self.other_order
        )
        # The seller's own figures only (not the other team's order).
        [(ordered,)] = (
            self.env["control.sales.analysis"]
            .with_user(self.seller)
            ._read_group(
                [("partner_id", "=", self.partner.id)], [], ["amount_ordered:sum"]
            )
        )
        self.assertAlmostEqual(ordered, 600.0)
        with self.assertRaises(AccessError):
            self._rows(self.plain)

    def test_other_company_rows_hidden(self):
        company_b = self.env["res.company"].create({"name": "IC Analysis B"})
        self.env["sale.order"].with_company(company_b).create(
            {
                "partner_id": self.partner.id,
                "company_id": company_b.id,
                "order_line": [
                    Command.create({"product_id": self.product.id, "price_unit": 9})
                ],
            }
        ).with_company(company_b).action_confirm()
        rows = self._rows(self.controller)
        self.assertEqual(rows.company_id, self.env.company)
        self.assertTrue(
            self.env["control.sales.analysis"]
            .sudo()
            .search([("company_id", "=", company_b.id)])
        )
