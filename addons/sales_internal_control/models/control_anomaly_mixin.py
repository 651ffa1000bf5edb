from odoo import models
from odoo.exceptions import UserError
from odoo.tools.sql import create_index


class ControlAnomalyMixin(models.AbstractModel):
    """Anomaly detectors of a document, run by the approval engine.

    The approval mixin calls :meth:`_anomaly_check_transition` in its
    state-transition hook (every way of confirming or posting) and
    :meth:`_anomaly_extra_tiers` when it routes a document: a rule whose
    action is ``approval`` adds a controller tier, ``block`` refuses, ``warn``
    records the finding and lets the document through. With no active rule
    for the document type the check costs no query (the rule ids are cached).
    """

    _name = "control.anomaly.mixin"
    _description = "Anomaly Detection Mixin"
    # The columns (partner, date) of the index through which the unusual
    # amount detector reads a partner's latest documents, on the documents
    # for which Odoo has none.
    _anomaly_history_index = ()

    def init(self):
        res = super().init()
        self._anomaly_create_history_index()
        return res

    def _anomaly_create_history_index(self):
        """Create the index of :attr:`_anomaly_history_index` (a document
        whose own ``init`` does not call ``super()``, as Odoo's sale order,
        calls this from its ``init``)."""
        if self._anomaly_history_index and not self._abstract:
            create_index(
                self.env.cr,
                "%s_ic_partner_date_index" % self._table,
                self._table,
                list(self._anomaly_history_index),
            )

    def _anomaly_companies(self):
        """Companies whose anomaly rules apply to these records."""
        return self.company_id

    def _anomaly_relevant(self, detector):
        """Whether ``detector`` looks at this record at all (a journal entry
        that is not a vendor bill, an incoming payment): saves its query."""
        return True

    def _anomaly_evaluate(self, actions=None):
        """Run the active event rules (of ``actions`` only, if given) on these
        records.

        :return: list of ``(rule, record, values, earlier finding or None)``
        """
        rules = self.env["control.anomaly.rule"]._rules_for(self)
        if actions:
            rules = rules.filtered(lambda rule: rule.action in actions)
        if not rules:
            return []
        hits = []
        for rule in rules:
            ids = [
                record.id
                for record in self
                if rule.company_id in record._anomaly_companies()
                and record._anomaly_relevant(rule.detector)
            ]
            if ids:
                found = rule._detect(self._name, ids=ids)
                hits += [(rule, res_id, values) for res_id, values in found.items()]
        if not hits:
            return []
        earlier = (
            self.env["control.anomaly"]
            .sudo()
            .search(
                [
                    ("rule_id", "in", rules.ids),
                    ("res_model", "=", self._name),
                    ("res_id", "in", list({hit[1] for hit in hits})),
                ]
            )
        )
        by_key = {(finding.rule_id.id, finding.res_id): finding for finding in earlier}
        return [
            (rule, self.browse(res_id), values, by_key.get((rule.id, res_id)))
            for rule, res_id, values in hits
        ]

    def _anomaly_record(self, hits, detached=False):
        """Record the findings of ``hits`` not recorded yet; ``detached``:
        in a transaction of their own, so that they stay when the current one
        is rolled back by a refusal."""
        by_rule = {}
        for rule, record, values, earlier in hits:
            if not earlier:
                by_rule.setdefault(rule, {})[record.id] = values
        if not by_rule:
            return
        Finding = self.env["control.anomaly"]
        if detached and not Finding._in_test_mode():
            with self.env.registry.cursor() as cr:
                env = self.env(cr=cr, su=True)
                for rule, found in by_rule.items():
                    env["control.anomaly"]._record_hits(
                        rule.with_env(env), self._name, found
                    )
            return
        for rule, found in by_rule.items():
            Finding.sudo()._record_hits(rule, self._name, found)

    def _anomaly_extra_tiers(self):
        """A controller tier for documents an ``approval`` rule flags (the
        findings are recorded)."""
        hits = [
            hit
            for hit in self._anomaly_evaluate(actions=("approval",))
            if not (hit[3] and hit[3].state == "dismissed")
        ]
        if not hits:
            return []
        self._anomaly_record(hits)
        rules = self.env["control.anomaly.rule"].union(*(hit[0] for hit in hits))
        return [
            {
                "name": self.env._(
                    "Controller review of anomalies (%(rules)s)",
                    rules=", ".join(rules.mapped("name")),
                ),
                "group_id": self.env.ref(
                    "sales_internal_control.group_control_manager"
                ).id,
                "user_id": False,
            }
        ]

    def _anomaly_reviewed_by_controller(self):
        """Whether a controller approved this document's current round (not
        an emergency approval)."""
        self.ensure_one()
        group = self.env.ref("sales_internal_control.group_control_manager")
        requests = (
            self.env["control.approval.request"]
            .sudo()
            .search([("res_model", "=", self._name), ("res_id", "=", self.id)])
        )
        return any(
            request.state == "approved"
            and request.group_id == group
            and not request.emergency
            and group in request.decided_by_id.groups_id
            for request in requests
        )

    def _anomaly_check_transition(self):
        """Refuse documents that a ``block`` rule flags, or that an
        ``approval`` rule flags without a controller's approval (the findings
        are recorded all the same). A dismissed finding no longer stops its
        document.

        :return: the hits to record once the document reached its state
            (:meth:`_anomaly_record`: then it has its final name)
        """
        hits = self._anomaly_evaluate()
        if not hits:
            return hits
        for rule, record, values, earlier in hits:
            if earlier and earlier.state == "dismissed":
                continue
            if rule.action == "warn" or (
                rule.action == "approval" and record._anomaly_reviewed_by_controller()
            ):
                continue
            related = ", ".join(
                str(name or f"#{res_id}")
                for _model, res_id, name in values.get("related") or []
            )
            if rule.action == "block":
                message = self.env._(
                    "%(document)s is refused by anomaly rule %(rule)s: %(finding)s "
                    "Related documents: %(related)s.",
                    document=record.display_name,
                    rule=rule.name,
                    finding=values.get("message") or "",
                    related=related or "-",
                )
            else:
                message = self.env._(
                    "%(document)s needs a controller's approval because of anomaly "
                    "rule %(rule)s: %(finding)s Use the ordinary Confirm or Post "
                    "button, which asks the controllers.",
                    document=record.display_name,
                    rule=rule.name,
                    finding=values.get("message") or "",
                )
            self._anomaly_record(hits, detached=True)
            self.env["control.log"]._log_detached(
                "blocked",
                record,
                message,
                amount=values.get("amount") or 0.0,
                company=rule.company_id,
                control="anomaly",
            )
            raise UserError(message)
        return hits
