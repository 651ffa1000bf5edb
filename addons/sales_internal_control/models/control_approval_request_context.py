from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import format_amount, format_datetime

# Messages of the document shown on the request (the latest first).
CHATTER_LIMIT = 20


def _table(headers, rows, classes="table table-sm table-borderless o_ic_table"):
    """An HTML table; cells are escaped unless they are ``Markup``."""
    head = (
        Markup("<thead><tr>%s</tr></thead>")
        % Markup("").join(Markup("<th>%s</th>") % header for header in headers)
        if headers
        else Markup("")
    )
    body = Markup("").join(
        Markup("<tr>%s</tr>")
        % Markup("").join(Markup("<td>%s</td>") % cell for cell in row)
        for row in rows
    )
    return Markup('<table class="%s">%s<tbody>%s</tbody></table>') % (
        classes,
        head,
        body,
    )


class ControlApprovalRequest(models.Model):
    """What an approver sees on a request: the document's partner, totals
    and lines, why each rule applies, the credit or budget status involved,
    the earlier decisions and the document's chatter and attachments.

    Access: whoever may read the request (its requester, its approvers, the
    controllers and emergency approvers, in the request's company: the record
    rules of ``control.approval.request``) sees this, read in sudo, even
    without rights on the document's model: an approver sees what they
    approve. Nothing is shown of another company's document (the request has
    the document's company). Attachments are listed; opening one keeps Odoo's
    own rights on attachments (those of the document).
    """

    _inherit = "control.approval.request"

    age_display = fields.Char(string="Waiting For", compute="_compute_age_display")
    match_html = fields.Html(
        string="Why", compute="_compute_match_html", sanitize=False
    )
    document_summary_html = fields.Html(
        string="Document Summary", compute="_compute_context_html", sanitize=False
    )
    document_context_html = fields.Html(
        string="Status", compute="_compute_context_html", sanitize=False
    )
    history_html = fields.Html(
        string="Decisions", compute="_compute_history_html", sanitize=False
    )
    document_chatter_html = fields.Html(
        string="Document Chatter",
        compute="_compute_document_chatter_html",
        sanitize=False,
    )

    @api.depends("create_date", "decision_date")
    def _compute_age_display(self):
        now = fields.Datetime.now()
        for request in self:
            start = request.create_date or now
            seconds = ((request.decision_date or now) - start).total_seconds()
            days, hours = int(seconds // 86400), int(seconds % 86400 // 3600)
            if days:
                request.age_display = self.env._(
                    "%(days)s d %(hours)s h", days=days, hours=hours
                )
            elif hours:
                request.age_display = self.env._("%(hours)s h", hours=hours)
            else:
                request.age_display = self.env._("less than an hour")

    @api.depends_context("lang")
    @api.depends("match_facts", "rule_id", "tier_name")
    def _compute_match_html(self):
        for request in self:
            items = [
                Markup("<li>%s</li>") % request._match_sentence(fact)
                for fact in request.match_facts or []
            ]
            if not items:
                request.match_html = False
                continue
            title = request.rule_id.name or request.tier_name
            request.match_html = Markup(
                '<p class="mb-1"><strong>%s</strong></p><ul class="mb-0">%s</ul>'
            ) % (title, Markup("").join(items))

    def _match_sentence(self, fact):
        """One fact of :attr:`match_facts`, in the reader's language."""
        kind = fact.get("kind")
        if kind == "amount":
            currency = self.env["res.currency"].browse(fact.get("currency_id")).exists()
            currency = currency or self.currency_id
            return self.env._(
                "Total %(amount)s is at least the rule's minimum %(min)s.",
                amount=format_amount(self.env, fact.get("amount") or 0.0, currency),
                min=format_amount(self.env, fact.get("min") or 0.0, currency),
            )
        if kind == "discount":
            lines = "; ".join(
                f"{line.get('name')} ({line.get('discount'):g} %)"
                for line in fact.get("lines") or []
            )
            minimum = "{:g}".format(fact.get("min") or 0.0)
            return self.env._(
                "Discount of at least %(min)s %% on: %(lines)s.",
                min=minimum,
                lines=lines or "-",
            )
        if kind == "domain":
            return self.env._(
                "The document matches the rule's condition %(domain)s.",
                domain=fact.get("domain"),
            )
        if kind == "always":
            return self.env._("The rule applies to every document of this type.")
        return self.env._(
            "Added by the controls: %(reason)s.", reason=fact.get("reason") or "-"
        )

    @api.depends_context("lang", "uid")
    @api.depends("res_model", "res_id")
    def _compute_context_html(self):
        for request in self:
            document = request._get_context_document()
            if not document:
                request.document_summary_html = False
                request.document_context_html = False
                continue
            request.document_summary_html = request._render_summary(
                document._control_request_summary()
            )
            request.document_context_html = (
                request._render_sections(document._control_request_context())
                if request._reader_decides()
                else False
            )

    def _reader_decides(self):
        """Whether the current user decides (or decided, or oversees) this
        request: the status sections (credit figures, budgets) are for them,
        not for a requester who is none of those."""
        self.ensure_one()
        user = self.env.user
        return (
            self._is_approver(user)
            or self.decided_by_id == user
            or user.has_group("sales_internal_control.group_control_manager")
            or user.has_group("sales_internal_control.group_emergency_approver")
        )

    def _get_context_document(self):
        """The document in sudo (the request's readers may lack rights on it),
        in the reader's language; empty when it is gone or not a document of
        the engine."""
        self.ensure_one()
        if self.res_model not in self.env or not self.res_id:
            return None
        document = self._get_document().with_context(lang=self.env.lang).exists()
        if not document or "approval_state" not in document._fields:
            return None
        return document

    def _render_summary(self, summary):
        parts = []
        if summary.get("partner"):
            parts.append(
                Markup('<p class="mb-1"><strong>%s</strong> %s</p>')
                % (self.env._("Partner:"), summary["partner"])
            )
        if summary.get("totals"):
            parts.append(
                _table(
                    None,
                    [(label, value) for label, value in summary["totals"]],
                    classes="table table-sm table-borderless w-auto mb-2",
                )
            )
        if summary.get("lines"):
            parts.append(
                _table(
                    [
                        self.env._("Line"),
                        self.env._("Quantity"),
                        self.env._("Unit Price"),
                        self.env._("Discount"),
                        self.env._("Subtotal"),
                    ],
                    [
                        (
                            line["name"],
                            line["quantity"],
                            line["price"],
                            line["discount"],
                            line["subtotal"],
                        )
                        for line in summary["lines"]
                    ],
                    classes="table table-sm mb-0",
                )
            )
        if summary.get("more"):
            parts.append(
                Markup('<p class="text-muted mb-0">%s</p>')
                % self.env._("and %(count)s more lines", count=summary["more"])
            )
        return Markup("").join(parts) or False

    def _render_sections(self, sections):
        parts = []
        for section in sections:
            level = section.get("level") or "info"
            if level not in ("info", "warning", "danger", "success"):
                level = "info"
            rows = Markup("").join(
                Markup("<tr><th class='pe-3'>%s</th><td>%s</td></tr>") % (label, value)
                for label, value in section.get("rows") or []
            )
            parts.append(
                Markup(
                    '<div class="alert alert-%s mb-2" role="status">'
                    '<p class="fw-bold mb-1">%s</p>'
                    '<table class="table table-sm table-borderless mb-0">%s</table>'
                    "</div>"
                )
                % (level, section.get("title") or "", rows)
            )
        return Markup("").join(parts) or False

    @api.depends_context("lang", "uid")
    @api.depends("res_model", "res_id", "state")
    def _compute_history_html(self):
        states = dict(self._fields["state"]._description_selection(self.env))
        all_requests = (
            self.sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("res_model", "in", list(set(self.mapped("res_model")))),
                    ("res_id", "in", list(set(self.mapped("res_id")))),
                ],
                order="create_date, sequence, id",
            )
        )
        by_doc = all_requests.grouped(lambda r: (r.res_model, r.res_id))
        past = self.env._("past round")
        for request in self:
            rows = [
                (
                    other.sequence,
                    other.tier_name,
                    states.get(other.state, other.state)
                    + ("" if other.active else f" ({past})"),
                    other.decided_by_id.name or "",
                    format_datetime(self.env, other.decision_date)
                    if other.decision_date
                    else "",
                    other.comment or "",
                )
                for other in by_doc.get((request.res_model, request.res_id), [])
            ]
            request.history_html = (
                _table(
                    [
                        "#",
                        self.env._("Tier"),
                        self.env._("Status"),
                        self.env._("Decided by"),
                        self.env._("Date"),
                        self.env._("Comment"),
                    ],
                    rows,
                    classes="table table-sm mb-0",
                )
                if rows
                else False
            )

    @api.depends_context("lang", "uid")
    @api.depends("res_model", "res_id")
    def _compute_document_chatter_html(self):
        for request in self:
            document = request._get_context_document()
            if not document or "message_ids" not in document._fields:
                request.document_chatter_html = False
                continue
            request.document_chatter_html = request._render_chatter(document)

    def _render_chatter(self, document):
        Message = self.env["mail.message"].sudo()
        domain = [
            ("model", "=", document._name),
            ("res_id", "=", document.id),
            ("message_type", "in", ("comment", "notification", "email")),
        ]
        messages = Message.search(domain, limit=CHATTER_LIMIT, order="id desc")
        attachments = (
            self.env["ir.attachment"]
            .sudo()
            .search(
                [("res_model", "=", document._name), ("res_id", "=", document.id)],
                order="id desc",
            )
        )
        parts = []
        if attachments:
            links = Markup(", ").join(
                Markup('<a href="/web/content/%s?download=true">%s</a>')
                % (attachment.id, attachment.name)
                for attachment in attachments
            )
            parts.append(
                Markup('<p class="mb-2"><i class="fa fa-paperclip"/> %s %s</p>')
                % (self.env._("Attachments:"), links)
            )
        for message in messages:
            # Bodies only: tracked values are left out (they may hold values
            # masked for some readers, e.g. bank account numbers).
            body = message.body
            if not body:
                continue
            parts.append(
                Markup(
                    '<div class="border-bottom py-1"><small class="text-muted">'
                    "%s · %s</small><div>%s</div></div>"
                )
                % (
                    message.author_id.name or message.email_from or "",
                    format_datetime(self.env, message.date),
                    body,
                )
            )
        total = Message.search_count(domain)
        if total > len(messages):
            parts.append(
                Markup('<p class="text-muted mb-0">%s</p>')
                % self.env._(
                    "%(count)s older messages on the document.",
                    count=total - len(messages),
                )
            )
        return Markup("").join(parts) or False
