from odoo import SUPERUSER_ID, api, models
from odoo.exceptions import AccessError


class ControlGuardedMixin(models.AbstractModel):
    """Fields that only some callers may set, checked on final values.

    A consumer lists its guarded fields in :meth:`_control_guarded_fields`
    (``{field name: guard}``) and says who passes each guard in
    :meth:`_control_guard_allowed` (by default only the engine: superuser).

    ``write`` refuses a guarded field whose new value differs from a record's
    current one. ``create`` looks at the record as created, after Odoo added
    its defaults (``default_<field>`` context keys, the user's own
    ``ir.default`` values, ``_inherits`` parents created with the child's
    defaults): a guarded field must hold its trusted default, the value the
    defaults give without the caller's context and personal defaults (the
    field's own default and company-wide defaults set by an administrator).
    """

    _name = "control.guarded.mixin"
    _description = "Guarded Fields Mixin"

    def _control_guarded_fields(self):
        """``{field name: guard}``; extended by consumers through super()."""
        return {}

    def _control_guard_allowed(self, guard):
        """Whether the current caller may set the fields of ``guard``."""
        return self.env.su

    def _control_guard_message(self, guard, field_names):
        """The refusal's text (consumers give their own per guard)."""
        return self.env._(
            "%(user)s cannot set %(fields)s of %(records)s: these fields are set "
            "by the internal-control engine only.",
            user=self.env.user.name,
            fields=", ".join(self._fields[name].string for name in field_names),
            records=", ".join(self.mapped("display_name")) or self._description,
        )

    def _control_guard_refused(self, names):
        """``{guard: [field names]}`` of ``names`` the caller may not set."""
        guarded = self._control_guarded_fields()
        allowed = {}
        refused = {}
        for name in names:
            guard = guarded.get(name)
            if guard is None:
                continue
            if guard not in allowed:
                allowed[guard] = self._control_guard_allowed(guard)
            if not allowed[guard]:
                refused.setdefault(guard, []).append(name)
        return refused

    def _control_guard_raise(self, refused):
        guard, names = next(iter(refused.items()))
        raise AccessError(self._control_guard_message(guard, names))

    @staticmethod
    def _control_guard_same(field, old, new):
        if field.type in ("float", "monetary"):
            return abs((old or 0.0) - (new or 0.0)) < 1e-9
        if field.type in ("many2one", "one2many", "many2many"):
            return set(old.ids if old else ()) == set(new.ids if new else ())
        return (old or False) == (new or False)

    def _control_guard_changed(self, vals):
        """Fields of ``vals`` whose value would change a record of ``self``
        (a value that does not even convert counts as a change)."""
        changed = []
        for name, value in vals.items():
            field = self._fields[name]
            try:
                new = field.convert_to_record(field.convert_to_cache(value, self), self)
            except (ValueError, TypeError):
                changed.append(name)
                continue
            if any(
                not self._control_guard_same(field, record[name], new)
                for record in self.sudo()
            ):
                changed.append(name)
        return changed

    @api.model
    def _control_guard_trusted_defaults(self, names):
        """Defaults of ``names`` that no caller can choose: no context keys,
        no personal ``ir.default`` (computed as the superuser, who has none)."""
        context = {
            key: value
            for key, value in self.env.context.items()
            if not key.startswith("default_")
        }
        # The whole context is replaced on purpose: default_* keys are dropped.
        return (
            self.with_context(context)  # pylint: disable=context-overridden
            .with_user(SUPERUSER_ID)
            .with_company(self.env.company)
            .default_get(list(names))
        )

    def _prepare_create_values(self, vals_list):
        # The final values of create, defaults included, before the INSERT:
        # a refusal creates nothing.
        result = super()._prepare_create_values(vals_list)
        guarded = self._control_guarded_fields()
        refused = self._control_guard_refused(guarded) if guarded else {}
        if not refused:
            return result
        names = [name for names in refused.values() for name in names]
        trusted = self._control_guard_trusted_defaults(names)
        for vals in result:
            wrong = {}
            for guard, fields_ in refused.items():
                for name in fields_:
                    if name not in vals:
                        continue
                    field = self._fields[name]
                    try:
                        value = field.convert_to_record(
                            field.convert_to_cache(vals[name], self), self
                        )
                    except (ValueError, TypeError):
                        value = None
                    default = field.convert_to_record(
                        field.convert_to_cache(trusted.get(name, False), self), self
                    )
                    if value is None or not self._control_guard_same(
                        field, value, default
                    ):
                        wrong.setdefault(guard, []).append(name)
            if wrong:
                self._control_guard_raise(wrong)
        return result

    def write(self, vals):
        names = self._control_guarded_fields().keys() & vals.keys()
        refused = self._control_guard_refused(names) if names else {}
        if refused:
            changed = set(
                self._control_guard_changed(
                    {name: vals[name] for names in refused.values() for name in names}
                )
            )
            refused = {
                guard: [name for name in names if name in changed]
                for guard, names in refused.items()
                if changed.intersection(names)
            }
            if refused:
                self._control_guard_raise(refused)
        return super().write(vals)
