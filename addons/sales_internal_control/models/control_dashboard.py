from datetime import date, datetime, time, timedelta

import pytz
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount

PERIODS = ("month", "quarter", "year")
# Colours of the levels (tiles, bars, charts), as Bootstrap's.
LEVEL_COLORS = {
    "green": "#28a745",
    "yellow": "#ffc107",
    "orange": "#fd7e14",
    "red": "#dc3545",
    "info": "#17a2b8",
    "muted": "#6c757d",
}


class ControlDashboard(models.AbstractModel):
    """Figures of the Internal Control dashboard (the Overview client action).

    ``get_data`` gives every figure as a dict (XML-RPC and JSON alike). Each
    addon adds its section by extending ``_dashboard_sections`` through
    ``super()``; a section reads only what its user may read (access rights
    and record rules), and is left out when the user may not read its model.
    Each figure is one grouped read, whatever the number of documents.
    """

    _name = "control.dashboard"
    _description = "Internal Control Dashboard"

    @api.model
    def get_data(self, period=None):
        """Every figure of the dashboard for ``period``.

        :param period: ``"month"`` (default), ``"quarter"``, ``"year"`` (the
            current one), or a dict ``{"date_from": "YYYY-MM-DD",
            "date_to": "YYYY-MM-DD"}``
        :return: ``{"period": {...}, "company": {...}, "sections": [...]}``;
            each section has a ``key``, a ``title``, ``tiles`` (``key``,
            ``label``, ``value``, ``display``, ``level``, ``action``: the
            window action of its filtered list) and ``charts``
        """
        date_from, date_to, key = self._dashboard_period(period)
        sections = [
            section
            for section in self._dashboard_sections(date_from, date_to)
            if section.get("tiles") or section.get("charts") or section.get("items")
        ]
        sections.sort(key=lambda section: section["sequence"])
        company = self.env.company
        return {
            "period": {
                "key": key,
                "date_from": fields.Date.to_string(date_from),
                "date_to": fields.Date.to_string(date_to),
            },
            "company": {"id": company.id, "name": company.name},
            "sections": sections,
        }

    # ------------------------------------------------------------------ period
    @api.model
    def _dashboard_period(self, period):
        """``(date_from, date_to, key)`` of ``period`` (see ``get_data``)."""
        today = fields.Date.context_today(self)
        if period in (None, False, ""):
            period = "month"
        if isinstance(period, str):
            if period not in PERIODS:
                raise UserError(
                    self.env._(
                        "Unknown dashboard period %(period)s: use month, quarter, "
                        "year or a dict with date_from and date_to.",
                        period=repr(period),
                    )
                )
            if period == "month":
                start = today.replace(day=1)
                return start, start + relativedelta(months=1, days=-1), period
            if period == "quarter":
                start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
                return start, start + relativedelta(months=3, days=-1), period
            return (
                today.replace(month=1, day=1),
                today.replace(month=12, day=31),
                period,
            )
        if not isinstance(period, dict) or set(period) != {"date_from", "date_to"}:
            raise UserError(
                self.env._(
                    "The dashboard period must be month, quarter, year or a dict "
                    "with date_from and date_to (got %(period)s).",
                    period=repr(period),
                )
            )
        bounds = []
        for name in ("date_from", "date_to"):
            value = period[name]
            try:
                if isinstance(value, datetime) or not isinstance(value, (str, date)):
                    raise ValueError(value)
                bounds.append(fields.Date.to_date(value))
            except ValueError:
                raise UserError(
                    self.env._(
                        "The dashboard period's %(bound)s %(value)s is not a date "
                        "(YYYY-MM-DD).",
                        bound=name,
                        value=repr(value),
                    )
                ) from None
        date_from, date_to = bounds
        if date_from > date_to:
            raise UserError(
                self.env._(
                    "The dashboard period starts on %(date_from)s, after its end "
                    "on %(date_to)s.",
                    date_from=date_from,
                    date_to=date_to,
                )
            )
        return date_from, date_to, "custom"

    # ---------------------------------------------------------------- sections
    @api.model
    def _dashboard_sections(self, date_from, date_to):
        """The sections for the period; each addon adds its own through
        ``super()``. A section: ``{"key", "title", "sequence", "tiles",
        "charts"}`` (see ``_dashboard_tile`` and ``_dashboard_chart``)."""
        return [
            self._dashboard_section_approvals(),
            self._dashboard_section_audit(date_from, date_to),
        ]

    @api.model
    def _dashboard_section(self, key, title, sequence, tiles=None, charts=None):
        return {
            "key": key,
            "title": title,
            "sequence": sequence,
            "tiles": tiles or [],
            "charts": charts or [],
        }

    @api.model
    def _dashboard_tile(
        self,
        key,
        label,
        value,
        model,
        domain,
        display=None,
        level="info",
        views=("list", "form"),
        context=None,
    ):
        """A KPI tile that opens the list of ``model`` filtered by ``domain``."""
        return {
            "key": key,
            "label": label,
            "value": value,
            "display": display if display is not None else str(value),
            "level": level,
            "color": LEVEL_COLORS.get(level, LEVEL_COLORS["info"]),
            "action": self._dashboard_action(label, model, domain, views, context),
        }

    @api.model
    def _dashboard_action(
        self, name, model, domain, views=("list", "form"), context=None
    ):
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "domain": domain,
            "views": [[False, view] for view in views],
            "context": dict(context or {}, create=False),
            "target": "current",
        }

    @api.model
    def _dashboard_chart(self, key, title, chart_type, points, actions=None):
        """A chart: ``points`` is a list of ``(label, value, level)``; each
        bar may open a list (``actions``, one per point)."""
        return {
            "key": key,
            "title": title,
            "type": chart_type,
            "labels": [label for label, _value, _level in points],
            "values": [value for _label, value, _level in points],
            "colors": [
                LEVEL_COLORS.get(level, LEVEL_COLORS["info"])
                for _label, _value, level in points
            ],
            "actions": actions or [],
        }

    @api.model
    def _dashboard_money(self, amount):
        company = self.env.company
        return format_amount(self.env, amount or 0.0, company.currency_id)

    @api.model
    def _dashboard_datetime_bounds(self, date_from, date_to):
        """UTC bounds (strings) of the local days ``date_from`` to ``date_to``."""
        tz = pytz.timezone(self.env.user.tz or "UTC")
        bounds = (
            tz.localize(datetime.combine(day, time.min))
            .astimezone(pytz.utc)
            .replace(tzinfo=None)
            for day in (date_from, date_to + timedelta(days=1))
        )
        return tuple(fields.Datetime.to_string(bound) for bound in bounds)

    # ----------------------------------------------------- approvals and audit
    @api.model
    def _dashboard_section_approvals(self):
        Request = self.env["control.approval.request"]
        if not Request.has_access("read"):
            return {}
        mine = Request.search_count([("can_decide", "=", True)])
        waiting_domain = [("state", "=", "pending")]
        [(waiting, oldest)] = Request._read_group(
            waiting_domain, [], ["__count", "create_date:min"]
        )
        age = (fields.Datetime.now() - oldest).days if oldest else 0
        views = ("list", "kanban", "form")
        return self._dashboard_section(
            "approvals",
            self.env._("Approvals"),
            10,
            tiles=[
                self._dashboard_tile(
                    "my_approvals",
                    self.env._("My Approvals"),
                    mine,
                    Request._name,
                    [("can_decide", "=", True)],
                    level="orange" if mine else "green",
                    views=views,
                ),
                self._dashboard_tile(
                    "waiting",
                    self.env._("Documents Waiting"),
                    waiting,
                    Request._name,
                    waiting_domain,
                    views=views,
                ),
                self._dashboard_tile(
                    "oldest_age",
                    self.env._("Oldest Waiting (days)"),
                    age,
                    Request._name,
                    waiting_domain,
                    level="red" if age > 7 else "orange" if age > 2 else "green",
                    views=views,
                ),
            ],
        )

    @api.model
    def _dashboard_section_audit(self, date_from, date_to):
        tiles, charts = [], []
        start, stop = self._dashboard_datetime_bounds(date_from, date_to)
        Log = self.env["control.log"]
        if Log.has_access("read"):
            period = [("date", ">=", start), ("date", "<", stop)]
            counts = dict(
                Log._read_group(
                    [
                        *period,
                        ("event", "in", ("blocked", "override", "emergency_approved")),
                    ],
                    ["event"],
                    ["__count"],
                )
            )
            blocks = counts.get("blocked", 0)
            overrides = counts.get("override", 0) + counts.get("emergency_approved", 0)
            tiles += [
                self._dashboard_tile(
                    "blocks",
                    self.env._("Blocks in the Period"),
                    blocks,
                    Log._name,
                    [*period, ("event", "=", "blocked")],
                    level="red" if blocks else "green",
                ),
                self._dashboard_tile(
                    "overrides",
                    self.env._("Overrides in the Period"),
                    overrides,
                    Log._name,
                    [*period, ("event", "in", ("override", "emergency_approved"))],
                    level="orange" if overrides else "green",
                ),
            ]
        Finding = self.env["control.anomaly"]
        if Finding.has_access("read"):
            open_domain = [("state", "=", "open")]
            counts = dict(Finding._read_group(open_domain, ["severity"], ["__count"]))
            labels = dict(Finding._fields["severity"]._description_selection(self.env))
            levels = {"high": "red", "medium": "orange", "low": "yellow"}
            points, actions = [], []
            for severity in ("high", "medium", "low"):
                count = counts.get(severity, 0)
                domain = [*open_domain, ("severity", "=", severity)]
                points.append((labels[severity], count, levels[severity]))
                actions.append(
                    self._dashboard_action(labels[severity], Finding._name, domain)
                )
                tiles.append(
                    self._dashboard_tile(
                        f"findings_{severity}",
                        self.env._(
                            "Open Findings: %(severity)s", severity=labels[severity]
                        ),
                        count,
                        Finding._name,
                        domain,
                        level=levels[severity] if count else "green",
                    )
                )
            charts.append(
                self._dashboard_chart(
                    "findings",
                    self.env._("Open Findings by Severity"),
                    "doughnut",
                    points,
                    actions,
                )
            )
        Conflict = self.env["control.sod.conflict"]
        if Conflict.has_access("read"):
            domain = [("state", "=", "open")]
            count = Conflict.search_count(domain)
            tiles.append(
                self._dashboard_tile(
                    "sod_conflicts",
                    self.env._("Open SoD Conflicts"),
                    count,
                    Conflict._name,
                    domain,
                    level="red" if count else "green",
                )
            )
        return self._dashboard_section(
            "audit", self.env._("Controls"), 20, tiles=tiles, charts=charts
        )
