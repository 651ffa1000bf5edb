import base64
import io

import xlsxwriter

from odoo import api, fields, models

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ControlXlsxExport(models.AbstractModel):
    """Excel exports shared by the internal-control addons.

    A report is a title, a list of ``(label, kind)`` headers and rows of plain
    values; ``kind`` is one of ``text``, ``number``, ``monetary``, ``percent``
    (a value of 12.5 means 12.5 %) or ``date``.
    """

    _name = "control.xlsx.export"
    _description = "Internal Control Excel Export"

    @api.model
    def _xlsx_content(self, title, headers, rows):
        """Return the bytes of an .xlsx workbook with one sheet."""
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        sheet = workbook.add_worksheet(title[:31])
        bold = workbook.add_format({"bold": True})
        head = workbook.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1})
        formats = {
            "text": workbook.add_format(),
            "number": workbook.add_format({"num_format": "#,##0.##"}),
            "monetary": workbook.add_format({"num_format": "#,##0.00"}),
            "percent": workbook.add_format({"num_format": "0.00%"}),
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        }
        sheet.write(0, 0, title, bold)
        sheet.write(
            1,
            0,
            self.env._(
                "%(company)s, exported by %(user)s on %(date)s",
                company=self.env.company.name,
                user=self.env.user.name,
                date=fields.Datetime.to_string(fields.Datetime.now()),
            ),
        )
        for col, (label, _kind) in enumerate(headers):
            sheet.write(3, col, label, head)
            sheet.set_column(col, col, max(12, min(len(label) + 4, 40)))
        for row_index, row in enumerate(rows, start=4):
            for col, value in enumerate(row):
                kind = headers[col][1]
                if value is False or value is None:
                    sheet.write_blank(row_index, col, None)
                elif kind == "percent":
                    sheet.write_number(row_index, col, value / 100.0, formats[kind])
                elif kind in ("number", "monetary"):
                    sheet.write_number(row_index, col, value, formats[kind])
                elif kind in ("date", "datetime"):
                    sheet.write_datetime(row_index, col, value, formats[kind])
                else:
                    sheet.write_string(row_index, col, str(value))
        if rows:
            sheet.autofilter(3, 0, 3 + len(rows), len(headers) - 1)
        sheet.freeze_panes(4, 0)
        workbook.close()
        return output.getvalue()

    @api.model
    def _xlsx_action(self, filename, title, headers, rows):
        """Build the workbook, store it as an attachment and download it."""
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": filename,
                    "datas": base64.b64encode(self._xlsx_content(title, headers, rows)),
                    "mimetype": XLSX_MIMETYPE,
                    "res_model": self._name,
                    "public": False,
                }
            )
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }
