from odoo import fields, models, tools
from odoo.exceptions import ValidationError
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from .control_sod import RISK_LEVELS

_lt = LazyTranslate(__name__)

# One row per active internal user and active risk of a company the user
# belongs to whose two functions the user holds (Odoo keeps the implied groups
# of a user in res_groups_users_rel: holding a group through another is
# holding it), with the user's valid mitigation if there is one.
CONFLICT_QUERY = """
    WITH held AS (
        SELECT DISTINCT fg.function_id, r.uid AS user_id
          FROM control_sod_function_group_rel fg
          JOIN control_sod_function f ON f.id = fg.function_id AND f.active
          JOIN res_groups_users_rel r ON r.gid = fg.group_id
    )
    SELECT k.id::bigint * 1000000 + a.user_id AS id,
           a.user_id, k.id AS risk_id, k.company_id, k.level, k.enforce,
           k.function_a_id, k.function_b_id, m.id AS mitigation_id,
           m.date_end AS mitigation_date_end,
           CASE WHEN m.id IS NULL THEN 'open' ELSE 'mitigated' END AS state
      FROM control_sod_risk k
      JOIN held a ON a.function_id = k.function_a_id
      JOIN held b ON b.function_id = k.function_b_id AND b.user_id = a.user_id
      JOIN res_users u ON u.id = a.user_id AND u.active AND NOT u.share
      JOIN res_company_users_rel cu ON cu.user_id = u.id AND cu.cid = k.company_id
      LEFT JOIN LATERAL (
            SELECT sm.id, sm.date_end
              FROM control_sod_mitigation sm
             WHERE sm.risk_id = k.id AND sm.user_id = a.user_id AND sm.active
               AND sm.date_end >= current_date
             ORDER BY sm.date_end DESC, sm.id DESC
             LIMIT 1
      ) m ON true
     WHERE k.active
"""


class ControlSodConflict(models.Model):
    """Live report: who holds two functions a risk keeps apart."""

    _name = "control.sod.conflict"
    _description = "Segregation of Duties Conflict"
    _auto = False
    _order = "level desc, risk_id, user_id"

    user_id = fields.Many2one("res.users", readonly=True)
    risk_id = fields.Many2one("control.sod.risk", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    level = fields.Selection(RISK_LEVELS, readonly=True)
    enforce = fields.Boolean(readonly=True)
    function_a_id = fields.Many2one("control.sod.function", readonly=True)
    function_b_id = fields.Many2one("control.sod.function", readonly=True)
    mitigation_id = fields.Many2one("control.sod.mitigation", readonly=True)
    mitigation_date_end = fields.Date(string="Mitigated Until", readonly=True)
    state = fields.Selection(
        [("open", "Open"), ("mitigated", "Mitigated")], readonly=True
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s)",
                SQL.identifier(self._table),
                SQL(CONFLICT_QUERY),
            )
        )

    def _flush_sources(self):
        """Write what the view reads (groups, users, the matrix)."""
        for model_name in (
            "res.users",
            "res.groups",
            "control.sod.function",
            "control.sod.risk",
            "control.sod.mitigation",
        ):
            self.env[model_name].flush_model()

    def _conflicts_of(self, user_ids=None):
        """``{(user id, risk id): (enforce, mitigated)}`` of these users (all
        when None), from one query."""
        self._flush_sources()
        condition = (
            SQL("TRUE")
            if user_ids is None
            else SQL("user_id = ANY(%s)", list(user_ids))
        )
        self.env.cr.execute(
            SQL(
                "SELECT user_id, risk_id, enforce, mitigation_id IS NOT NULL "
                "FROM %s WHERE %s",
                SQL.identifier(self._table),
                condition,
            )
        )
        return {
            (user_id, risk_id): (enforce, mitigated)
            for user_id, risk_id, enforce, mitigated in self.env.cr.fetchall()
        }

    def _check_grants(self, before, user_ids=None):
        """Refuse (``ValidationError``) risks opened since ``before`` (see
        :meth:`_conflicts_of`) that are enforced and not mitigated; log every
        opened risk (``sod``). Under sudo (module installation, the engine)
        the opened risks are logged, not refused."""
        after = self._conflicts_of(user_ids)
        opened = {key: value for key, value in after.items() if key not in before}
        if not opened:
            return True
        users = self.env["res.users"].sudo().browse({key[0] for key in opened})
        risks = self.env["control.sod.risk"].sudo().browse({key[1] for key in opened})
        users_by_id = {user.id: user for user in users}
        risks_by_id = {risk.id: risk for risk in risks}
        Log = self.env["control.log"]
        for (user_id, risk_id), (enforce, mitigated) in opened.items():
            user, risk = users_by_id[user_id], risks_by_id[risk_id]
            if enforce and not mitigated and not self.env.su:
                message = self.env["control.log"]._text(
                    _lt(
                        "%(actor)s cannot give %(user)s these groups: they would hold "
                        "both %(function_a)s and %(function_b)s, which the risk "
                        "%(risk)s (%(level)s) keeps apart, without a valid mitigation.",
                        actor=self.env.user.name,
                        user=user.name,
                        function_a=risk.function_a_id.name,
                        function_b=risk.function_b_id.name,
                        risk=risk.name,
                        level=dict(RISK_LEVELS)[risk.level],
                    )
                )
                Log._log_detached(
                    "blocked", user, message, company=risk.company_id, control="sod"
                )
                raise ValidationError(message)
        vals_list = []
        for (user_id, risk_id), (_enforce, mitigated) in opened.items():
            user, risk = users_by_id[user_id], risks_by_id[risk_id]
            vals_list += Log._prepare_log_vals(
                "sod",
                user,
                self.env["control.log"]._text(
                    _lt(
                        "%(actor)s gave %(user)s groups that make them hold both "
                        "%(function_a)s and %(function_b)s (risk %(risk)s, %(state)s).",
                        actor=self.env.user.name,
                        user=user.name,
                        function_a=risk.function_a_id.name,
                        function_b=risk.function_b_id.name,
                        risk=risk.name,
                        state=_lt("mitigated") if mitigated else _lt("open"),
                    )
                ),
                company=risk.company_id,
                control="sod",
            )
        # One create for all the lines (a group given to many users).
        Log.sudo().create(vals_list)
        return True
