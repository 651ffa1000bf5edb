from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import ContractCase


@tagged("post_install", "-at_install")
class TestDashboardContract(ContractCase):
    """The dashboard's contract section: running contracts ending soon."""

    def _tiles(self):
        data = self.env["control.dashboard"].with_user(self.manager).get_data()
        section = next(s for s in data["sections"] if s["key"] == "contracts")
        return {tile["key"]: tile for tile in section["tiles"]}

    def test_contracts_ending(self):
        today = fields.Date.today()
        before = self._tiles()
        self._signed_contract(
            date_start=today - timedelta(days=300), date_end=today + timedelta(days=45)
        )
        tiles = self._tiles()
        for days, added in ((30, 0), (60, 1), (90, 1)):
            key = f"contracts_ending_{days}"
            self.assertEqual(tiles[key]["value"], before[key]["value"] + added)
            Contract = self.env["contract.contract"].with_user(self.manager)
            self.assertEqual(
                Contract.search_count(tiles[key]["action"]["domain"]),
                tiles[key]["value"],
            )
