from odoo.tests import new_test_user, tagged
from odoo.tests.common import TransactionCase


@tagged("post_install", "-at_install")
class TestTeamDocuments(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        salesman = "sales_team.group_sale_salesman"
        team_docs = "sales_internal_control.group_sale_team_documents"
        cls.leader = new_test_user(cls.env, login="ic_team_leader", groups=team_docs)
        cls.member = new_test_user(cls.env, login="ic_team_member", groups=team_docs)
        cls.seller = new_test_user(cls.env, login="ic_team_seller", groups=salesman)
        cls.outsider = new_test_user(cls.env, login="ic_team_outside", groups=salesman)
        cls.all_docs = new_test_user(
            cls.env,
            login="ic_team_all",
            groups="sales_team.group_sale_salesman_all_leads",
        )
        cls.team = cls.env["crm.team"].create(
            {
                "name": "IC Team North",
                "user_id": cls.leader.id,
                "member_ids": [(6, 0, (cls.member | cls.seller).ids)],
            }
        )
        cls.other_team = cls.env["crm.team"].create(
            {"name": "IC Team South", "member_ids": [(6, 0, cls.outsider.ids)]}
        )
        cls.partner = cls.env["res.partner"].create({"name": "Team Customer"})
        product = cls.env["product.product"].create({"name": "Team Item"})
        line = {"product_id": product.id, "product_uom_qty": 1, "price_unit": 50}
        cls.team_order = cls.env["sale.order"].create(
            {
                "partner_id": cls.partner.id,
                "user_id": cls.seller.id,
                "team_id": cls.team.id,
                "order_line": [(0, 0, line)],
            }
        )
        cls.other_order = cls.env["sale.order"].create(
            {
                "partner_id": cls.partner.id,
                "user_id": cls.outsider.id,
                "team_id": cls.other_team.id,
                "order_line": [(0, 0, line)],
            }
        )
        cls.orders = cls.team_order | cls.other_order
        invoice_line = {"product_id": product.id, "quantity": 1, "price_unit": 50}
        cls.team_invoice, cls.other_invoice = cls.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": cls.partner.id,
                    "invoice_user_id": user.id,
                    "team_id": team.id,
                    "invoice_line_ids": [(0, 0, invoice_line)],
                }
                for user, team in (
                    (cls.seller, cls.team),
                    (cls.outsider, cls.other_team),
                )
            ]
        )
        cls.invoices = cls.team_invoice | cls.other_invoice

    def _visible(self, records, user):
        return records.with_user(user).search([("id", "in", records.ids)])

    def test_leader_and_member_see_their_team_only(self):
        for user in (self.leader, self.member):
            self.assertEqual(self._visible(self.orders, user), self.team_order)
            self.assertEqual(self._visible(self.invoices, user), self.team_invoice)
            lines = self.orders.order_line
            self.assertEqual(self._visible(lines, user), self.team_order.order_line)

    def test_salesman_sees_own_documents_only(self):
        self.assertEqual(self._visible(self.orders, self.seller), self.team_order)
        self.team_order.user_id = self.leader
        self.assertFalse(self._visible(self.orders, self.seller))
        self.assertEqual(self._visible(self.orders, self.member), self.team_order)

    def test_all_documents_sees_everything(self):
        self.assertEqual(self._visible(self.orders, self.all_docs), self.orders)
        self.assertEqual(self._visible(self.invoices, self.all_docs), self.invoices)

    def test_leaving_the_team_hides_its_documents(self):
        self.team.member_ids = [(3, self.member.id)]
        self.env.invalidate_all()
        self.assertFalse(self._visible(self.orders, self.member))
