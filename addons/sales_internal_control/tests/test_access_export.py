"""Access governance: exports are logged, mass exports raise a finding
(issue 17)."""

import math

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tests.common import TransactionCase


@tagged("post_install", "-at_install")
@freeze_time("2026-11-10 11:00:00")
class TestExportLog(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["control.anomaly.rule"].sudo().search([]).active = False
        cls.company = cls.env.company
        cls.company.export_alert_rows = 3
        cls.exporter = new_test_user(
            cls.env,
            login="ic_export_user",
            groups="base.group_user,base.group_allow_export,"
            "sales_team.group_sale_salesman",
        )
        cls.no_export = new_test_user(
            cls.env, login="ic_export_denied", groups="sales_team.group_sale_salesman"
        )
        cls.controller = new_test_user(
            cls.env,
            login="ic_export_controller",
            groups="sales_internal_control.group_control_manager",
        )
        cls.partners = cls.env["res.partner"].create(
            [{"name": f"Export Partner {index}"} for index in range(6)]
        )
        cls.rule = cls.env["control.anomaly.rule"].create(
            {"name": "Mass export", "detector": "mass_export", "action": "warn"}
        )

    def _export(self, records, user=None, fields=("name", "email")):
        return records.with_user(user or self.exporter).export_data(list(fields))

    def _lines(self, user=None):
        return self.env["control.log"].search(
            [("event", "=", "export"), ("user_id", "=", (user or self.exporter).id)],
            order="id",
        )

    def _findings(self, user=None):
        return self.env["control.anomaly"].search(
            [
                ("detector", "=", "mass_export"),
                ("user_id", "=", (user or self.exporter).id),
            ]
        )

    def test_export_logged_with_fields_and_rows(self):
        result = self._export(self.partners[:2])
        self.assertEqual(len(result["datas"]), 2)
        line = self._lines()
        self.assertEqual(len(line), 1)
        self.assertEqual(line.res_model, "res.partner")
        self.assertEqual(line.export_rows, 2)
        self.assertEqual(line.company_id, self.company)
        self.assertEqual(line.control, "export")
        self.assertIn("2 rows", line.message)
        self.assertIn("name, email", line.message)
        # the exporter cannot read the log (nor the line about him)
        with self.assertRaises(AccessError):
            self.env["control.log"].with_user(self.exporter).search([])

    def test_rows_counted_not_records(self):
        # one record exported with two lines of a one2many: two rows
        partner = self.partners[0]
        self.env["res.partner"].create(
            [
                {"name": "Child A", "parent_id": partner.id},
                {"name": "Child B", "parent_id": partner.id},
            ]
        )
        result = self._export(partner, fields=("name", "child_ids/name"))
        self.assertEqual(len(result["datas"]), 2)
        self.assertEqual(self._lines().export_rows, 2)
        self.assertIn("2 rows (1 records)", self._lines().message)

    def test_other_models_not_logged(self):
        self.env["product.product"].create({"name": "Export Product"}).with_user(
            self.exporter
        ).export_data(["name"])
        self.assertFalse(self._lines())

    def test_no_finding_at_the_limit_finding_past_it_once_a_day(self):
        self._export(self.partners[:2])
        self._export(self.partners[2:3])  # 3 rows: at the limit
        self.assertFalse(self._findings())
        self._export(self.partners[3:4])  # 4 rows: past it
        finding = self._findings()
        self.assertEqual(len(finding), 1)
        crossing = self._lines()[-1]
        self.assertEqual(
            (finding.res_model, finding.res_id), ("control.log", crossing.id)
        )
        self.assertEqual(finding.rule_id, self.rule)
        self.assertEqual(finding.company_id, self.company)
        self.assertIn("4 rows", finding.message)
        self.assertIn("3 exports", finding.message)
        self.assertIn(self.controller, finding.activity_ids.user_id)
        # another export the same day: no second finding, the export goes
        self._export(self.partners)
        self.assertEqual(len(self._findings()), 1)
        self.assertEqual(len(self._lines()), 4)

    def test_one_big_export_and_the_next_day(self):
        self._export(self.partners[:4])
        self.assertEqual(len(self._findings()), 1)
        with freeze_time("2026-11-11 11:00:00"):
            self._export(self.partners[:3])
            self.assertEqual(len(self._findings()), 1)
            self._export(self.partners[:1])
            self.assertEqual(len(self._findings()), 2)

    def test_users_counted_apart(self):
        other = new_test_user(
            self.env,
            login="ic_export_other",
            groups="base.group_user,base.group_allow_export",
        )
        self._export(self.partners[:3])
        self._export(self.partners[:3], user=other)
        self.assertFalse(self._findings())
        self.assertFalse(self._findings(other))

    def test_scan_finds_the_crossing_line(self):
        self.rule.active = False
        self._export(self.partners[:2])
        self._export(self.partners[:2])
        self.assertFalse(self._findings())
        self.rule.active = True
        created = self.rule.with_user(self.controller).action_scan(
            "2026-11-10", "2026-11-10"
        )
        self.assertEqual(created, 1)
        self.assertEqual(self._findings().res_id, self._lines()[-1].id)
        # idempotent
        self.assertEqual(self.rule.action_scan("2026-11-10", "2026-11-10"), 0)

    def test_refused_export_writes_nothing(self):
        with self.assertRaises(UserError):
            self._export(self.partners, user=self.no_export)
        self.assertFalse(self._lines(self.no_export))

    def test_constant_queries(self):
        """The queries of an export do not grow with the rows exported nor
        with the day's earlier exports."""

        def queries(records):
            records.invalidate_recordset()
            self.env.flush_all()
            before = self.cr.sql_log_count
            records.with_user(self.exporter).export_data(["name", "email"])
            self.env.flush_all()
            return self.cr.sql_log_count - before

        self.company.export_alert_rows = 1000
        queries(self.partners[:1])  # warm the caches
        few = queries(self.partners[:1])
        for _index in range(10):
            self._export(self.partners)
        many = queries(self.partners)
        self.assertEqual(few, many)

    def test_multi_company(self):
        company_b = self.env["res.company"].create(
            {"name": "Export Company B", "export_alert_rows": 2}
        )
        user_b = new_test_user(
            self.env,
            login="ic_export_b",
            groups="base.group_user,base.group_allow_export",
            company_id=company_b.id,
            company_ids=[(6, 0, [company_b.id])],
        )
        partners_b = self.env["res.partner"].create(
            [
                {"name": f"B partner {index}", "company_id": company_b.id}
                for index in range(3)
            ]
        )
        # the rule of the first company does not look at company B's lines
        partners_b.with_user(user_b).export_data(["name"])
        self.assertFalse(self._findings(user_b))
        line = self._lines(user_b)
        self.assertEqual(line.company_id, company_b)
        rule_b = self.env["control.anomaly.rule"].create(
            {
                "name": "Mass export B",
                "detector": "mass_export",
                "company_id": company_b.id,
            }
        )
        with freeze_time("2026-11-11 11:00:00"):
            partners_b[:2].with_user(user_b).export_data(["name"])  # 2: the limit
            self.assertFalse(self._findings(user_b))
            partners_b[:1].with_user(user_b).export_data(["name"])  # 3 rows > 2
        finding = self._findings(user_b)
        self.assertEqual(finding.rule_id, rule_b)
        self.assertEqual(finding.company_id, company_b)
        # a controller of the first company only does not see it
        self.assertFalse(
            self.env["control.anomaly"]
            .with_user(self.controller)
            .search([("id", "=", finding.id)])
        )

    def test_bad_settings(self):
        for value in (-1, math.inf, math.nan, "abc"):
            with self.subTest(value=value), self.assertRaises(ValidationError):
                self.company.write({"export_alert_rows": value})
        with self.assertRaises(ValidationError):
            self.env["res.config.settings"].create({"export_alert_rows": math.inf})
        with self.assertRaises(ValidationError):
            self.env["res.config.settings"].create({"export_alert_rows": -5})
        self.assertEqual(self.company.export_alert_rows, 3)
        settings = self.env["res.config.settings"].create({"export_alert_rows": 50})
        settings.execute()
        self.assertEqual(self.company.export_alert_rows, 50)

    def test_rule_only_warns(self):
        for action in ("block", "approval"):
            with self.subTest(action=action), self.assertRaises(ValidationError):
                self.rule.action = action
