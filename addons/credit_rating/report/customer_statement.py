import functools
import io
import logging
import subprocess
import uuid

import lxml.html
from lxml import etree

from odoo import api, fields, models
from odoo.addons.base.models import ir_actions_report
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, config, split_every
from odoo.tools.pdf import (
    ArrayObject,
    NameObject,
    PdfFileReader,
    PdfFileWriter,
    PdfReadError,
)

from ..models.credit_open_items import open_items_query

_logger = logging.getLogger(__name__)

REPORT = "credit_rating.action_report_customer_statement"
# Statements per PDF engine run: bounds the memory of one HTML document.
STATEMENT_BATCH_SIZE = 200
# Link put on each statement's title in a batch rendered in one document: it
# tells on which page each statement starts (removed from the parts).
MARKER = "https://credit-statement.invalid/"
# What a failing rendering raises: the engine (UserError, OSError), the
# reading of its PDF, the parsing of the HTML.
RENDER_ERRORS = (
    UserError,
    OSError,
    ValueError,
    PdfReadError,
    etree.LxmlError,
    subprocess.SubprocessError,
)
ARTICLE = "//div[contains(concat(' ', normalize-space(@class), ' '), ' article ')]"
TITLE = (
    ".//*[contains(concat(' ', normalize-space(@class), ' '), "
    "' o_credit_statement_title ')]"
)

# Who may print a customer's statement (its receivables).
STATEMENT_GROUPS = (
    "credit_rating.group_credit_controller,"
    "sales_internal_control.group_control_manager,"
    "account.group_account_invoice,"
    "account.group_account_readonly"
)


@functools.cache
def _engine_takes_several_documents():
    """Whether wkhtmltopdf is built with its patched Qt: only then does it
    take several HTML documents in one run (and headers, footers, outlines).
    The unpatched build (Debian's) exits without a PDF when given several."""
    try:
        out = subprocess.run(  # noqa: S603
            [ir_actions_report._get_wkhtmltopdf_bin(), "--version"],
            capture_output=True,
            check=False,
            timeout=30,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return b"patched qt" in out.lower()


class ReportCustomerStatement(models.AbstractModel):
    """The customer statement: the customer's open items in the current
    company, from the one definition of open and overdue."""

    _name = "report.credit_rating.report_customer_statement"
    _description = "Customer Statement"

    @api.model
    def _get_report_values(self, docids, data=None):
        partners = self.env["res.partner"].browse(docids)
        if not self.env.su and not self.env.user.has_groups(STATEMENT_GROUPS):
            raise AccessError(
                self.env._(
                    "Only credit controllers and accounting users may print "
                    "customer statements (user %(user)s).",
                    user=self.env.user.name,
                )
            )
        # Record rules: another company's customer is refused.
        partners.check_access("read")
        company = self.env.company
        today = fields.Date.context_today(self)
        statements = self._statement_data(partners, company, today)
        return {
            "doc_ids": partners.ids,
            "doc_model": "res.partner",
            "docs": partners,
            "company": company,
            "currency": company.currency_id,
            "today": today,
            "statements": statements,
        }

    @api.model
    def _statement_data(self, partners, company, today):
        """{partner id: {"lines", "credits", "open", "overdue"}} of the
        customers' open items in ``company`` (one query)."""
        commercial = partners.commercial_partner_id
        result = {
            partner.id: {"lines": [], "credits": 0.0, "open": 0.0, "overdue": 0.0}
            for partner in partners
        }
        if not commercial:
            return result
        self.env.flush_all()
        rows = self.env.execute_query_dict(
            SQL(
                """
                SELECT o.partner_id, o.line_id, o.date, o.date_maturity,
                       o.residual, o.open_amount, l.balance AS original,
                       COALESCE(m.name, l.name) AS number
                  FROM (%(open_items)s) o
             LEFT JOIN account_move_line l ON l.id = o.line_id
             LEFT JOIN account_move m ON m.id = o.move_id
              ORDER BY o.partner_id, o.date_maturity NULLS LAST, o.line_id
                """,
                open_items=open_items_query(
                    SQL(
                        "l.company_id = %s AND l.partner_id IN %s",
                        company.id,
                        tuple(commercial.ids),
                    )
                ),
            )
        )
        by_commercial = {}
        for row in rows:
            data = by_commercial.setdefault(
                row["partner_id"],
                {"lines": [], "credits": 0.0, "open": 0.0, "overdue": 0.0},
            )
            data["open"] += row["open_amount"]
            if row["line_id"] is None:
                # Credits beyond every open item of the customer.
                data["credits"] += row["open_amount"]
                continue
            overdue = row["date_maturity"] < today
            if overdue:
                data["overdue"] += row["open_amount"]
            # Credits applied to this item (the oldest items first).
            data["credits"] -= row["residual"] - row["open_amount"]
            data["lines"].append(
                dict(
                    row,
                    days_late=(today - row["date_maturity"]).days
                    if overdue and row["open_amount"] > 0
                    else 0,
                )
            )
        for partner in partners:
            data = by_commercial.get(partner.commercial_partner_id.id)
            if data:
                result[partner.id] = data
        return result

    # ------------------------------------------------------ batch rendering
    @api.model
    def _render_statements(self, partners):
        """The statements of ``partners`` (customers of the current company),
        each its own document, from one run of the PDF engine:
        ``{partner id: (content, extension)}``. A customer missing from the
        result could not be rendered (the reason is in the server log).

        With a wkhtmltopdf on patched Qt, Odoo's own rendering of several
        records (one HTML document each, split by pages or outlines). With
        the unpatched build, the statements go in one HTML document, each
        starting on a new page with a marker link on its title, and the PDF
        is cut where the markers are. When the PDF cannot be cut, each
        statement is rendered alone.
        """
        partners = partners.exists()
        if not partners:
            return {}
        Report = self.env["ir.actions.report"]
        report = Report._get_report(REPORT)
        if (config["test_enable"] or config["test_file"]) and not self.env.context.get(
            "force_report_rendering"
        ):
            # As Odoo's reports under tests: HTML instead of PDF.
            return self._render_statements_html(report, partners)
        result = {}
        for batch in split_every(STATEMENT_BATCH_SIZE, partners.ids, partners.browse):
            result.update(self._render_statements_batch(report, batch))
        return result

    @api.model
    def _render_statements_batch(self, report, partners):
        Report = self.env["ir.actions.report"]
        result = {}
        if len(partners) > 1:
            try:
                if _engine_takes_several_documents():
                    streams = Report.with_context(
                        webp_as_jpg=True
                    )._render_qweb_pdf_prepare_streams(report, {}, res_ids=partners.ids)
                    result = {
                        res_id: (stream["stream"].getvalue(), "pdf")
                        for res_id, stream in streams.items()
                        if res_id and stream["stream"]
                    }
                else:
                    result = self._render_statements_one_document(report, partners)
            except RENDER_ERRORS:
                # The mails go anyway: each statement alone below.
                _logger.exception(
                    "Customer statements of %s customers: the batch rendering "
                    "failed, each is rendered alone.",
                    len(partners),
                )
                result = {}
        for partner in partners.filtered(lambda p: p.id not in result):
            try:
                content, extension = Report._render_qweb_pdf(report, partner.ids)
            except RENDER_ERRORS:
                _logger.exception(
                    "Customer statement of %s could not be rendered.", partner.name
                )
                continue
            if content:
                result[partner.id] = (content, extension)
        return result

    @api.model
    def _render_statements_html(self, report, partners):
        html = self.env["ir.actions.report"]._render_qweb_html(report, partners.ids)[0]
        root = lxml.html.fromstring(html)
        result = {}
        for article in root.xpath(ARTICLE):
            res_id = int(article.get("data-oe-id") or 0)
            if res_id in partners.ids:
                result[res_id] = (
                    lxml.html.tostring(article, encoding="unicode").encode(),
                    "html",
                )
        return result

    @api.model
    def _render_statements_one_document(self, report, partners):
        """One HTML document, one wkhtmltopdf run, cut by the markers."""
        Report = self.env["ir.actions.report"].with_context(
            webp_as_jpg=True, debug=False
        )
        html = Report._render_qweb_html(
            report, partners.ids, data={"report_type": "pdf", "debug": False}
        )[0]
        root = lxml.html.fromstring(html, parser=lxml.html.HTMLParser(encoding="utf-8"))
        articles = root.xpath(ARTICLE)
        ids = [int(article.get("data-oe-id") or 0) for article in articles]
        if ids != partners.ids:
            _logger.warning(
                "Customer statements: the report's documents %s are not the "
                "customers %s.",
                ids,
                partners.ids,
            )
            return {}
        nonce = uuid.uuid4().hex
        document = lxml.html.Element(
            "div",
            {
                "class": articles[0].get("class"),
                "data-oe-model": "res.partner",
                "data-oe-id": str(ids[0]),
                "data-oe-lang": articles[0].get("data-oe-lang") or "",
            },
        )
        articles[0].addprevious(document)
        for index, article in enumerate(articles):
            article.set(
                "class",
                " ".join(c for c in article.get("class").split() if c != "article"),
            )
            if index:
                article.set("style", "page-break-before: always;")
            titles = article.xpath(TITLE)
            if len(titles) != 1:
                return {}
            title = titles[0]
            link = lxml.html.Element(
                "a",
                {
                    "href": f"{MARKER}{nonce}/{index}",
                    "style": "color: inherit; text-decoration: none;",
                },
            )
            link.text, title.text = title.text, None
            for child in list(title):
                link.append(child)
            title.append(link)
            document.append(article)
        bodies, _html_ids, header, footer, paper_args = report._prepare_html(
            lxml.html.tostring(root), report_model=report.model
        )
        pdf = Report._run_wkhtmltopdf(
            bodies,
            report_ref=report,
            header=header,
            footer=footer,
            landscape=self.env.context.get("landscape"),
            specific_paperformat_args=paper_args,
            set_viewport_size=self.env.context.get("set_viewport_size"),
        )
        parts = _split_by_markers(pdf, f"{MARKER}{nonce}/", len(ids))
        if parts is None:
            _logger.warning(
                "Customer statements: the PDF of %s customers could not be cut "
                "by statement.",
                len(ids),
            )
            return {}
        return {res_id: (part, "pdf") for res_id, part in zip(ids, parts, strict=True)}


def _split_by_markers(pdf, prefix, count):
    """The ``count`` parts of ``pdf``, each from the page holding the marker
    link ``prefix + index`` to the next one, without the marker links; None
    when the markers are not one a statement, in order, from the first page."""
    if not pdf:
        return None
    reader = PdfFileReader(io.BytesIO(pdf))
    pages_of = {}
    for number, page in enumerate(reader.pages):
        annotations = page.get("/Annots")
        if annotations is None:
            continue
        kept = ArrayObject()
        for reference in annotations.get_object():
            annotation = reference.get_object()
            action = annotation.get("/A")
            uri = str(action.get_object().get("/URI", "")) if action else ""
            if uri.startswith(prefix) and uri[len(prefix) :].isdigit():
                pages_of.setdefault(int(uri[len(prefix) :]), set()).add(number)
            else:
                kept.append(reference)
        page[NameObject("/Annots")] = kept
    starts = []
    for index in range(count):
        pages = pages_of.pop(index, set())
        if len(pages) != 1:
            return None
        starts.append(pages.pop())
    if pages_of or starts[0] != 0 or starts != sorted(set(starts)):
        return None
    starts.append(len(reader.pages))
    parts = []
    for start, end in zip(starts, starts[1:], strict=False):
        writer = PdfFileWriter()
        for number in range(start, end):
            writer.add_page(reader.pages[number])
        stream = io.BytesIO()
        writer.write(stream)
        parts.append(stream.getvalue())
    return parts
