import base64
import io
from datetime import date, datetime, timedelta

from openpyxl import load_workbook

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tests.common import TransactionCase


@tagged("post_install", "-at_install")
class TestXlsxExport(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = cls.env["res.partner"].create({"name": "Export Customer"})
        cls.other_partner = cls.env["res.partner"].create({"name": "Other Customer"})
        cls.controller = new_test_user(
            cls.env,
            login="ic_export_controller",
            groups="base.group_user,sales_internal_control.group_control_manager",
        )
        cls.salesman = new_test_user(
            cls.env, login="ic_export_salesman", groups="sales_team.group_sale_salesman"
        )
        log = cls.env["control.log"]
        cls.blocked = log._log("blocked", cls.partner, "Blocked: 1,200 > 1,000", 1200)
        cls.override = log._log("override", cls.other_partner, "Released", 300)

    def _read_attachment(self, action):
        attachment_id = int(action["url"].split("/web/content/")[1].split("?")[0])
        attachment = self.env["ir.attachment"].browse(attachment_id)
        return load_workbook(io.BytesIO(base64.b64decode(attachment.datas))).active

    def test_content_types(self):
        content = self.env["control.xlsx.export"]._xlsx_content(
            "Report",
            [("Name", "text"), ("Amount", "monetary"), ("Pct", "percent")]
            + [("Day", "date")],
            [("a", 10.5, 50.0, date(2026, 1, 31)), ("b", False, None, False)],
        )
        sheet = load_workbook(io.BytesIO(content)).active
        self.assertEqual(sheet["A1"].value, "Report")
        self.assertEqual([c.value for c in sheet[4]], ["Name", "Amount", "Pct", "Day"])
        self.assertEqual(sheet["B5"].value, 10.5)
        self.assertEqual(sheet["C5"].value, 0.5)
        self.assertEqual(sheet["D5"].value, datetime(2026, 1, 31))
        self.assertIsNone(sheet["B6"].value)

    def test_export_filtered_log(self):
        wizard = (
            self.env["control.log.export"]
            .with_user(self.controller)
            .create({"event": "blocked", "res_model": "res.partner"})
        )
        sheet = self._read_attachment(wizard.action_export())
        rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=5)]
        names = [row[4] for row in rows]
        self.assertIn("Export Customer", names)
        self.assertNotIn("Other Customer", names)
        exported = rows[names.index("Export Customer")]
        self.assertEqual(exported[6], 1200)
        self.assertEqual(exported[8], "Blocked: 1,200 > 1,000")

    def test_export_selection(self):
        action = (self.blocked | self.override).with_user(self.controller)
        sheet = self._read_attachment(action.action_export_xlsx())
        self.assertEqual(sheet.max_row, 6)

    def test_export_refused_to_non_controllers(self):
        with self.assertRaises(AccessError):
            self.env["control.log.export"].with_user(self.salesman).create({})

    def test_export_bad_period(self):
        with self.assertRaises(ValidationError):
            self.env["control.log.export"].with_user(self.controller).create(
                {"date_from": "2026-02-01", "date_to": "2026-01-01"}
            )

    def test_formats_widths_and_totals_per_currency(self):
        Export = self.env["control.xlsx.export"]
        message = "A long message " * 8
        content = Export._xlsx_content(
            "Report",
            [
                ("Name", "text"),
                ("Amount", "monetary", {"total": True}),
                ("Level", "text", {"colors": {"Red": "#FFC7CE"}}),
                ("Pct", "percent"),
                ("Count", "integer"),
                ("Currency", "text"),
                ("Parent", "text"),
                ("Message", "text"),
            ],
            [
                ("a", 1000.5, "Red", 50.0, 3, "EUR", "", message),
                ("b", 20.0, "Green", 10.0, 1, "USD", "", "short"),
                ("c", 300.0, "Green", 10.0, 1, "EUR", "a", "sub-budget"),
            ],
            total_by=5,
            total_skip=6,
        )
        sheet = load_workbook(io.BytesIO(content)).active
        self.assertEqual(sheet["B5"].number_format, "#,##0.00")
        self.assertEqual(sheet["D5"].number_format, "0.00%")
        self.assertEqual(sheet["E5"].number_format, "0")
        self.assertEqual(sheet["C5"].fill.fgColor.rgb, "FFFFC7CE")
        self.assertNotEqual(sheet["C6"].fill.fgColor.rgb, "FFFFC7CE")
        # Widths follow the content; a long text wraps in a wide column.
        self.assertGreaterEqual(sheet.column_dimensions["B"].width, 9)
        self.assertLess(sheet.column_dimensions["A"].width, 12)
        self.assertAlmostEqual(sheet.column_dimensions["H"].width, 60, delta=1)
        self.assertTrue(sheet["H5"].alignment.wrap_text)
        # One total per currency, the sub-budget row left out.
        self.assertEqual(
            [(sheet.cell(r, 1).value, sheet.cell(r, 6).value) for r in (9, 10)],
            [("Total EUR", "EUR"), ("Total USD", "USD")],
        )
        self.assertEqual(sheet["B9"].value, '=SUMIFS(B5:B7,F5:F7,"EUR",G5:G7,"")')
        self.assertEqual(sheet["B10"].value, '=SUMIFS(B5:B7,F5:F7,"USD",G5:G7,"")')
        self.assertIsNone(sheet["D9"].value)  # no sum of percentages
        cached = load_workbook(io.BytesIO(content), data_only=True).active
        self.assertEqual((cached["B9"].value, cached["B10"].value), (1000.5, 20.0))
        self.assertEqual(sheet.max_row, 10)

    def test_control_log_export_local_time_no_total(self):
        self.controller.tz = "Asia/Shanghai"
        lines = (self.blocked | self.override).with_user(self.controller)
        sheet = self._read_attachment(lines.action_export_xlsx())
        # Amounts of different events are not summed: no total row.
        self.assertEqual(sheet.max_row, 6)
        self.assertEqual(sheet["A5"].number_format, "yyyy-mm-dd hh:mm")
        self.assertEqual(sheet["A5"].value, self.blocked.date + timedelta(hours=8))
        self.assertIn("Asia/Shanghai", sheet["A2"].value)
        self.assertEqual(sheet["G5"].number_format, "#,##0.00")
