import base64
import io
import unicodedata
from datetime import datetime

import pytz
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from odoo import api, fields, models

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Rows of the sheet (0-based): title, subtitle, blank, headers, data.
HEADER_ROW = 3
FIRST_ROW = 4
MIN_WIDTH = 8
MAX_WIDTH = 50
WRAP_WIDTH = 60

# Level colours (background) shared by the addons' exports: budget alert
# levels, credit grades, dunning levels (by their rank).
LEVEL_COLORS = {
    "green": "#C6EFCE",
    "yellow": "#FFEB9C",
    "orange": "#F8CBAD",
    "red": "#FFC7CE",
}


def _display_width(text):
    """Width of ``text`` in Excel characters (East Asian wide characters
    count twice)."""
    return sum(
        2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text
    )


class ControlXlsxExport(models.AbstractModel):
    """Excel exports shared by the internal-control addons.

    A report is a title, a list of headers and rows of plain values. A header
    is ``(label, kind)`` or ``(label, kind, options)``; ``kind`` is one of
    ``text``, ``integer``, ``number``, ``monetary`` (company currency
    decimals), ``percent`` (a value of 12.5 means 12.5 %), ``date`` or
    ``datetime`` (shown in the exporting user's time zone). Options:

    - ``total``: the column is summed in the total rows (see ``total_by``);
    - ``colors``: ``{value: background colour}`` for the cells of the column
      (level colours: budget alert levels, credit grades);
    - ``width``: a fixed column width (otherwise fitted to the content).

    Totals are written only for the columns that ask for them, and never
    across currencies: ``total_by`` is the index of the column that holds
    each row's currency, and there is one total row per currency (formulas,
    with their values cached). ``total_skip`` is the index of a column whose
    rows are left out of the totals when it is filled (a sub-budget, whose
    spend its parent counts already).
    """

    _name = "control.xlsx.export"
    _description = "Internal Control Excel Export"

    @api.model
    def _xlsx_formats(self):
        """Cell format specifications by kind (dicts, to combine with a
        colour or bold)."""
        digits = self.env.company.currency_id.decimal_places
        money = "#,##0" + ("." + "0" * digits if digits > 0 else "")
        return {
            "text": {},
            "integer": {"num_format": "0"},
            "number": {"num_format": "General"},
            "monetary": {"num_format": money},
            "percent": {"num_format": "0.00%"},
            "date": {"num_format": "yyyy-mm-dd"},
            "datetime": {"num_format": "yyyy-mm-dd hh:mm"},
        }

    @api.model
    def _xlsx_content(self, title, headers, rows, total_by=None, total_skip=None):
        """Return the bytes of an .xlsx workbook with one sheet."""
        headers = [
            (header[0], header[1], header[2] if len(header) > 2 else {})
            for header in headers
        ]
        rows = [self._xlsx_prepare_row(headers, row) for row in rows]
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        sheet = workbook.add_worksheet(title[:31])
        base_formats = self._xlsx_formats()
        formats = {
            kind: workbook.add_format(spec) for kind, spec in base_formats.items()
        }
        wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        head = workbook.add_format(
            {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True}
        )
        sheet.write(0, 0, title, workbook.add_format({"bold": True, "font_size": 14}))
        sheet.write(
            1,
            0,
            self.env._(
                "%(company)s, exported by %(user)s on %(date)s (%(tz)s)",
                company=self.env.company.name,
                user=self.env.user.name,
                date=self._xlsx_now().strftime("%Y-%m-%d %H:%M"),
                tz=self._xlsx_tz().zone,
            ),
        )
        colored = {}
        column_formats = {}
        for col, (label, kind, options) in enumerate(headers):
            column_formats[col] = formats[kind]
            sheet.write(HEADER_ROW, col, label, head)
            for value, color in (options.get("colors") or {}).items():
                colored[(col, value)] = workbook.add_format(
                    dict(base_formats[kind], bg_color=color)
                )
            width = options.get("width") or self._xlsx_width(label, kind, rows, col)
            if width > MAX_WIDTH:
                # Long texts (messages) wrap in a wide column.
                sheet.set_column(col, col, WRAP_WIDTH, wrap)
                column_formats[col] = wrap
            else:
                sheet.set_column(col, col, width)
        for row_index, row in enumerate(rows, start=FIRST_ROW):
            for col, value in enumerate(row):
                kind = headers[col][1]
                cell_format = colored.get((col, value), column_formats[col])
                if value is False or value is None:
                    sheet.write_blank(row_index, col, None, cell_format)
                elif kind in ("percent", "integer", "number", "monetary"):
                    sheet.write_number(row_index, col, value, cell_format)
                elif kind in ("date", "datetime"):
                    sheet.write_datetime(row_index, col, value, cell_format)
                else:
                    sheet.write_string(row_index, col, str(value), cell_format)
        last_row = FIRST_ROW + len(rows) - 1
        if rows:
            sheet.autofilter(HEADER_ROW, 0, last_row, len(headers) - 1)
            self._xlsx_totals(workbook, sheet, headers, rows, total_by, total_skip)
        sheet.freeze_panes(FIRST_ROW, 0)
        workbook.close()
        return output.getvalue()

    @api.model
    def _xlsx_prepare_row(self, headers, row):
        """Values as written: percentages as fractions, datetimes in the
        user's time zone."""
        values = []
        for (_label, kind, _options), value in zip(headers, row, strict=True):
            if value is False or value is None:
                values.append(False)
            elif kind == "percent":
                values.append(value / 100.0)
            elif kind == "datetime" and isinstance(value, datetime):
                values.append(
                    pytz.utc.localize(value)
                    .astimezone(self._xlsx_tz())
                    .replace(tzinfo=None)
                )
            else:
                values.append(value)
        return values

    @api.model
    def _xlsx_level_colors(self):
        """``{level: colour}`` of the green/yellow/orange/red levels."""
        return dict(LEVEL_COLORS)

    @api.model
    def _xlsx_tz(self):
        return pytz.timezone(self.env.user.tz or "UTC")

    @api.model
    def _xlsx_now(self):
        return (
            pytz.utc.localize(fields.Datetime.now())
            .astimezone(self._xlsx_tz())
            .replace(tzinfo=None)
        )

    @api.model
    def _xlsx_width(self, label, kind, rows, col):
        """A width fitted to the header's longest word and the values (at
        least MIN_WIDTH; above MAX_WIDTH the column wraps)."""
        widths = [max(_display_width(word) for word in label.split() or [""]) + 2]
        for row in rows:
            value = row[col]
            if value is False or value is None:
                continue
            if kind == "date":
                widths.append(10)
            elif kind == "datetime":
                widths.append(16)
            elif kind == "percent":
                widths.append(8)
            elif kind in ("integer", "number", "monetary"):
                widths.append(len(f"{value:,.2f}") + 1)
            else:
                text = str(value)
                widths.append(
                    max(_display_width(line) for line in text.splitlines() or [""])
                )
        return max(MIN_WIDTH, max(widths) + 1)

    @api.model
    def _xlsx_totals(self, workbook, sheet, headers, rows, total_by, skip):
        """One total row per currency (or one total when ``total_by`` is not
        given) under the data, for the columns with the ``total`` option."""
        summed = [
            col for col, (_l, _k, options) in enumerate(headers) if options.get("total")
        ]
        if not summed:
            return
        counted = [row for row in rows if skip is None or not row[skip]]
        groups = (
            sorted({row[total_by] for row in counted if row[total_by]})
            if total_by is not None
            else [None]
        )
        bold = workbook.add_format({"bold": True, "top": 1})
        base_formats = self._xlsx_formats()
        total_formats = {
            col: workbook.add_format(
                dict(base_formats[headers[col][1]], bold=True, top=1)
            )
            for col in summed
        }
        # 1-based row numbers of the first and last data rows.
        first, last = FIRST_ROW + 1, FIRST_ROW + len(rows)
        row_index = FIRST_ROW + len(rows) + 1
        for group in groups:
            label = (
                self.env._("Total %(currency)s", currency=group)
                if group is not None
                else self.env._("Total")
            )
            sheet.write_string(row_index, 0, label, bold)
            if group is not None:
                sheet.write_string(row_index, total_by, group, bold)
            for col in summed:
                column = xl_col_to_name(col)
                criteria = []
                if group is not None:
                    criteria.append(
                        f"{xl_col_to_name(total_by)}{first}:"
                        f'{xl_col_to_name(total_by)}{last},"{group}"'
                    )
                if skip is not None:
                    criteria.append(
                        f'{xl_col_to_name(skip)}{first}:{xl_col_to_name(skip)}{last},""'
                    )
                value = sum(
                    row[col] or 0.0
                    for row in counted
                    if group is None or row[total_by] == group
                )
                cells = f"{column}{first}:{column}{last}"
                formula = (
                    f"=SUMIFS({cells},{','.join(criteria)})"
                    if criteria
                    else f"=SUM({cells})"
                )
                sheet.write_formula(row_index, col, formula, total_formats[col], value)
            row_index += 1

    @api.model
    def _xlsx_action(self, filename, title, headers, rows, **options):
        """Build the workbook, store it as an attachment and download it."""
        content = self._xlsx_content(title, headers, rows, **options)
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": filename,
                    "datas": base64.b64encode(content),
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
