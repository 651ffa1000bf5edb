from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_amount, format_date

from .contract_redline import DEL, INS, redline
from .contract_template import TEMPLATE_TERMS

# Fields compared between two versions, shown old -> new.
COMPARED_FIELDS = (
    "title",
    "partner_id",
    "amount_total",
    "currency_id",
    "date_start",
    "date_end",
    "renewal_notice_days",
    "payment_term_id",
    "user_id",
    "team_id",
    "template_id",
)
# Term texts, shown as a word-level redline.
TERM_FIELDS = ("delivery_terms", "penalty_terms")


class ContractContract(models.Model):
    """The terms of a contract: the legal template they come from (and the
    legal tier when a locked template's terms are changed), and the
    comparison of a version with the one it amends (the redline)."""

    _inherit = "contract.contract"

    diff_html = fields.Html(
        string="Changes",
        compute="_compute_diff_html",
        sanitize=False,
        help="What this version changes in the previous one: every changed "
        "field old -> new, the terms as a word-level redline (insertions and "
        "deletions marked), and the payment plan.",
    )

    template_id = fields.Many2one(
        "contract.template",
        check_company=True,
        tracking=True,
        index="btree_not_null",
        domain="[('contract_type', '=', contract_type)]",
        help="The legal template the terms come from. Changing the terms of a "
        "locked template adds an approval tier of the legal department.",
    )
    template_terms_changed = fields.Boolean(
        compute="_compute_template_terms_changed",
        help="The contract changes the terms of its locked template.",
    )

    @api.depends("template_id", *TEMPLATE_TERMS)
    def _compute_template_terms_changed(self):
        for contract in self:
            contract.template_terms_changed = bool(contract._template_changed_terms())

    def _template_changed_terms(self):
        """Labels of the terms that differ from a locked template."""
        self.ensure_one()
        template = self.sudo().template_id
        if not template.locked:
            return []

        def same(name):
            if self._fields[name].type == "many2one":
                return self[name].id == template[name].id
            return (self[name] or "").strip() == (template[name] or "").strip()

        return [
            self._fields[name]._description_string(self.env)
            for name in TEMPLATE_TERMS
            if not same(name)
        ]

    @api.onchange("template_id")
    def _onchange_template_id(self):
        if self.template_id:
            self.update(self.template_id._template_values())

    @api.model_create_multi
    def create(self, vals_list):
        """A contract given a template takes the terms it does not give."""
        templates = self.env["contract.template"].browse(
            [vals["template_id"] for vals in vals_list if vals.get("template_id")]
        )
        templates.check_access("read")
        for vals in vals_list:
            if vals.get("template_id"):
                template = templates.browse(vals["template_id"])
                for name, value in template._template_values().items():
                    vals.setdefault(name, value)
        return super().create(vals_list)

    @api.constrains("template_id", "contract_type")
    def _check_template_type(self):
        for contract in self:
            template = contract.sudo().template_id
            if template and template.contract_type != contract.contract_type:
                raise ValidationError(
                    self.env._(
                        "Contract %(contract)s is a %(kind)s but its template "
                        "%(template)s is for a %(template_kind)s.",
                        contract=contract.display_name,
                        kind=contract._family_value("contract_type"),
                        template=template.name,
                        template_kind=dict(
                            template._fields["contract_type"]._description_selection(
                                self.env
                            )
                        ).get(template.contract_type, "-"),
                    )
                )

    def _approval_get_extra_tiers(self):
        # Hook of the approval engine: the terms of a locked template changed
        # need the legal department.
        tiers = super()._approval_get_extra_tiers()
        for contract in self:
            changed = contract._template_changed_terms()
            if changed:
                tiers.append(
                    {
                        "name": self.env._(
                            "Legal review (template %(template)s changed: %(terms)s)",
                            template=contract.sudo().template_id.name,
                            terms=", ".join(changed),
                        ),
                        "group_id": self.env.ref(
                            "contract_lifecycle.group_contract_legal"
                        ).id,
                        "user_id": False,
                    }
                )
        return tiers

    # ------------------------------------------------------------ comparison
    @api.model
    def _compared_fields(self):
        """Fields shown old -> new (extended by the other parts: template)."""
        return list(COMPARED_FIELDS)

    @api.model
    def _term_fields(self):
        return list(TERM_FIELDS)

    @api.depends(
        lambda self: [
            *self._compared_fields(),
            *self._term_fields(),
            "previous_version_id",
            "milestone_ids.name",
            "milestone_ids.date_due",
            "milestone_ids.amount",
        ]
    )
    def _compute_diff_html(self):
        for contract in self:
            previous = contract.previous_version_id
            contract.diff_html = contract._diff_html(previous) if previous else False

    def _diff_value(self, name):
        """A field's value as text for the comparison."""
        self.ensure_one()
        field = self._fields[name]
        value = self[name]
        if field.type == "many2one":
            return value.display_name or ""
        if field.type == "monetary":
            return format_amount(self.env, value, self.currency_id)
        if field.type == "date":
            return format_date(self.env, value) if value else ""
        if field.type == "selection":
            return dict(field._description_selection(self.env)).get(value, "")
        if field.type == "boolean":
            return self.env._("Yes") if value else self.env._("No")
        return "" if value is False else str(value)

    def _diff_html(self, previous):
        """The redline of this version against ``previous`` (escaped HTML)."""
        self.ensure_one()
        rows = []
        for name in self._compared_fields():
            old, new = previous._diff_value(name), self._diff_value(name)
            if old != new:
                rows.append(
                    (self._fields[name]._description_string(self.env), old, new)
                )
        row = Markup("<tr><th>%s</th><td>%s</td><td>%s</td></tr>")
        body = [
            row % (label, DEL % old if old else "", INS % new if new else "")
            for label, old, new in rows
        ]
        for name in self._term_fields():
            old, new = previous[name] or "", self[name] or ""
            if old != new:
                body.append(
                    Markup(
                        '<tr><th>%s</th><td colspan="2" style="white-space:pre-wrap;">'
                        "%s</td></tr>"
                    )
                    % (
                        self._fields[name]._description_string(self.env),
                        redline(old, new),
                    )
                )
        body += self._diff_milestone_rows(previous)
        title = self.env._(
            "Version %(new)s against version %(old)s",
            new=self.version,
            old=previous.version,
        )
        if not body:
            return Markup("<p><strong>%s</strong>: %s</p>") % (
                title,
                self.env._("no change."),
            )
        head = Markup(
            "<p><strong>%s</strong></p>"
            '<table class="table table-sm table-bordered o_contract_redline">'
            "<thead><tr><th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>"
        ) % (
            title,
            self.env._("Field"),
            self.env._("Version %(version)s", version=previous.version),
            self.env._("Version %(version)s", version=self.version),
        )
        return head + Markup("").join(body) + Markup("</tbody></table>")

    def _diff_milestone_rows(self, previous):
        """Milestones added, removed or changed (carried ones are matched to
        the milestone they were carried from)."""
        label = self.env._("Payment plan")
        carried = {
            m.previous_milestone_id.id: m
            for m in self.milestone_ids
            if m.previous_milestone_id
        }
        row = Markup("<tr><th>%s</th><td>%s</td><td>%s</td></tr>")
        rows = []
        for old in previous.milestone_ids:
            new = carried.pop(old.id, None)
            old_text = old._diff_text()
            new_text = new._diff_text() if new else ""
            if old_text != new_text:
                rows.append(
                    row % (label, DEL % old_text, INS % new_text if new else "")
                )
        kept = set(previous.milestone_ids.ids)
        for new in self.milestone_ids:
            if new.previous_milestone_id.id not in kept:
                rows.append(row % (label, "", INS % new._diff_text()))
        return rows

    def action_compare(self):
        """Open the comparison of this version with the one it amends."""
        self.ensure_one()
        if not self.previous_version_id:
            raise UserError(
                self.env._(
                    "Contract %(contract)s is its first version: there is no "
                    "earlier version to compare it with.",
                    contract=self.display_name,
                )
            )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Changes of %(contract)s", contract=self.display_name),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [
                (
                    self.env.ref(
                        "contract_lifecycle.contract_contract_view_form_compare"
                    ).id,
                    "form",
                )
            ],
            "target": "new",
        }
