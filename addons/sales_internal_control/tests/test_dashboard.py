import xmlrpc.client

from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import DocumentCase

# Tiles whose value is not the number of rows of their list.
NOT_A_COUNT = ("oldest_age",)


@tagged("post_install", "-at_install")
class TestDashboard(DocumentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Dashboard = cls.env["control.dashboard"]
        cls._rule(amount_min=1000.0)
        # Every section's rights: the widest role of each installed addon.
        groups = [
            "sales_team.group_sale_manager",
            "account.group_account_manager",
            "sales_internal_control.group_control_manager",
        ]
        for xmlid in (
            "credit_rating.group_credit_controller",
            "budget_control.group_budget_manager",
            "contract_lifecycle.group_contract_manager",
        ):
            if cls.env.ref(xmlid, raise_if_not_found=False):
                groups.append(xmlid)
        cls.auditor = new_test_user(
            cls.env, login="ic_dash_auditor", groups=",".join(groups)
        )

    def _documents(self, count):
        """``count`` orders waiting for approval, each with a block logged,
        and ``count`` posted customer invoices."""
        orders = self.env["sale.order"]
        for _index in range(count):
            order = self._order(price=1500.0)
            order.action_confirm()
            orders |= order
        self.env["control.log"]._log("blocked", orders, "Dashboard test block")
        moves = self.env["account.move"]
        for _index in range(count):
            moves |= self._move("out_invoice", self.partner, 100.0)
        moves.sudo().action_post()
        self.assertEqual(set(orders.mapped("approval_state")), {"pending"})
        return orders

    def _queries(self, user, period="month"):
        dashboard = self.Dashboard.with_user(user)
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        dashboard.get_data(period)  # fills the registry's caches
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        data = dashboard.get_data(period)
        return self.env.cr.sql_log_count - before, data

    def _tiles(self, data):
        return {tile["key"]: tile for s in data["sections"] for tile in s["tiles"]}

    def test_queries_do_not_grow_with_documents(self):
        self._documents(1)
        queries, before = self._queries(self.auditor)
        self._documents(5)
        queries_after, after = self._queries(self.auditor)
        self.assertEqual(queries_after, queries)
        # The documents are counted (the figures are not constant either).
        tiles, tiles_after = self._tiles(before), self._tiles(after)
        self.assertEqual(tiles_after["waiting"]["value"], tiles["waiting"]["value"] + 5)
        self.assertEqual(tiles_after["blocks"]["value"], tiles["blocks"]["value"] + 5)

    def test_tiles_open_their_lists(self):
        self._documents(1)
        data = self.Dashboard.with_user(self.auditor).get_data("year")
        # Over XML-RPC as it is (no None anywhere, string keys only).
        xmlrpc.client.dumps((data,), allow_none=False)
        keys = [section["key"] for section in data["sections"]]
        self.assertEqual(keys[:2], ["approvals", "audit"])
        for key, tile in self._tiles(data).items():
            if key.startswith(NOT_A_COUNT) or not isinstance(tile["value"], int):
                continue
            action = tile["action"]
            model = self.env[action["res_model"]].with_user(self.auditor)
            with self.subTest(tile=key):
                self.assertEqual(model.search_count(action["domain"]), tile["value"])

    def test_low_user_sees_only_what_they_may_read(self):
        self._documents(2)  # waiting for the sales managers, not the salesman
        data = self.Dashboard.with_user(self.outsider).get_data()
        keys = {section["key"] for section in data["sections"]}
        self.assertIn("approvals", keys)
        self.assertFalse(keys & {"audit", "credit", "budgets"})
        tiles = self._tiles(data)
        self.assertEqual(tiles["my_approvals"]["value"], 0)
        self.assertEqual(tiles["waiting"]["value"], 0)
        # The requester sees their own documents waiting; the manager decides.
        tiles = self._tiles(self.Dashboard.with_user(self.salesman).get_data())
        self.assertEqual(tiles["waiting"]["value"], 2)
        tiles = self._tiles(self.Dashboard.with_user(self.sales_manager).get_data())
        self.assertGreaterEqual(tiles["my_approvals"]["value"], 2)

    def test_period(self):
        data = self.Dashboard.get_data(
            {"date_from": "2026-01-01", "date_to": "2026-03-31"}
        )
        self.assertEqual(
            data["period"],
            {"key": "custom", "date_from": "2026-01-01", "date_to": "2026-03-31"},
        )
        quarter = self.Dashboard.get_data("quarter")["period"]
        self.assertEqual(quarter["date_from"][5:], quarter["date_from"][5:7] + "-01")
        bad = [
            ("week", "Unknown dashboard period"),
            (42, "must be month, quarter, year"),
            ({"date_from": "2026-01-01"}, "must be month, quarter, year"),
            ({"date_from": "2026-13-01", "date_to": "2026-12-31"}, "is not a date"),
            ({"date_from": 20260101, "date_to": "2026-12-31"}, "is not a date"),
            (
                {"date_from": "2026-02-01", "date_to": "2026-01-31"},
                "starts on 2026-02-01, after its end on 2026-01-31",
            ),
        ]
        for period, message in bad:
            with (
                self.subTest(period=period),
                self.assertRaisesRegex(UserError, message),
            ):
                self.Dashboard.get_data(period)
