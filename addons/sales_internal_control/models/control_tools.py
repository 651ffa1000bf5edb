"""Small checks and SQL pieces shared by the internal-control addons (no
model here)."""

import contextlib
import math

from odoo.exceptions import ValidationError
from odoo.tools import SQL

# Bounds of a PostgreSQL ``integer`` column (fields.Integer).
INT4_MIN = -(2**31)
INT4_MAX = 2**31 - 1


def is_finite_number(value):
    """Whether ``value`` is an int or a float (not a bool) that is finite."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def cached(records, method, *args):
    """``records.<method>(*args)`` of a method decorated with ``ormcache``,
    read from the same registry cache without the ``decorator`` package's
    wrapper, which binds the arguments to the method's signature
    (``inspect.Signature.bind``) at every call, a cache hit included:
    about 15 µs a call, on checks that run at every confirmation. The
    value, the key and the cache are the ormcache's own; a method whose
    latest definition is not cached (an override) is called as usual."""
    function = getattr(type(records), method)
    cache = getattr(function, "__cache__", None)
    if cache is None:
        return function(records, *args)
    return cache.lookup(cache.method, records, *args)


def check_finite(env, value, label, record_name, error=ValidationError):
    """Refuse ``value`` unless it is a finite number; return it.

    NaN compares false with everything (so ``nan < 0`` lets it through every
    bound) and infinity switches thresholds off: amounts, percentages and
    scales must be finite.

    :param label: what the value is, e.g. "the minimum amount"
    :param record_name: the record it belongs to, e.g. "Approval rule Big orders"
    :param error: exception class, ``ValidationError`` for data, ``UserError``
        for the argument of an action
    :raise error: naming the record, the label and the value
    """
    if not is_finite_number(value):
        raise error(
            env._(
                "%(record)s: %(label)s must be a finite number (got %(value)s).",
                record=record_name,
                label=label,
                value=repr(value),
            )
        )
    return value


def write_changes(records, vals):
    """Whether writing ``vals`` may change one of ``records``: a value that
    differs, or an x2many command other than linking records that are there
    already (any value that does not convert counts as a change)."""
    for name, value in vals.items():
        field = records._fields.get(name)
        if field is None or not field.store:
            return True
        if field.type in ("one2many", "many2many"):
            if not isinstance(value, list | tuple):
                return True
            for command in value:
                if not isinstance(command, list | tuple) or not command:
                    return True
                if command[0] == 4:
                    ids, exact = {command[1]}, False
                elif command[0] == 6:
                    ids, exact = set(command[2] or ()), True
                else:
                    return True
                for record in records:
                    current = set(record[name].ids)
                    if not ids <= current or (exact and ids != current):
                        return True
            continue
        try:
            new = field.convert_to_cache(value, records)
        except (ValueError, TypeError):
            return True
        if any(
            field.convert_to_cache(record[name], record) != new for record in records
        ):
            return True
    return False


def open_lines_sql(where, lines=None):
    """SQL of the open receivable lines ``l`` matching ``where`` (SQL), to
    follow a ``FROM``: posted, not reconciled, with a residual and a partner
    (the predicate of credit_rating's covering index
    account_move_line_credit_open_index). ``lines``: SQL of the relation of
    journal items to read (``account_move_line`` when None; a trigger's
    transition table, for credit_rating's exposure ledger)."""
    return SQL(
        """
        %s l
        JOIN account_account a ON a.id = l.account_id
       WHERE l.parent_state = 'posted'
         AND a.account_type = 'asset_receivable'
         AND l.reconciled IS NOT TRUE
         AND l.amount_residual != 0
         AND l.partner_id IS NOT NULL
         AND %s
        """,
        lines or SQL("account_move_line"),
        where,
    )


def replace_query_function(cr, name, params, returns, query, prologue=None, declare=()):
    """(Re)create the PL/pgSQL function ``name`` that returns the rows of
    ``query`` (SQL written with the parameter names of ``params``), after
    the statements of ``prologue`` (SQL, e.g. ``PERFORM`` of locks).

    A control's statement run at every confirmation is planned again each
    time it is sent as text; in a function, PostgreSQL keeps its plan for
    the session (Odoo's pooled connections). A session-level ``PREPARE``
    would do the same but breaks behind a transaction-pooling connection
    pooler. Called from a model's ``init()`` (install and update); the old
    function is dropped first (whatever its parameters), as ``CREATE OR
    REPLACE`` cannot change the result columns.

    :param params: ``[(name, type)]`` of the parameters
    :param returns: ``[(name, type)]`` of the result columns (names other
        than the columns of the query's tables)
    :param declare: ``[(name, type)]`` of the prologue's variables

    Its statements use generic plans (``plan_cache_mode``): with the
    default, PostgreSQL planned them again at every call, as their custom
    plans looked cheaper than the generic one (the credit check's function
    took 1.6 ms a call instead of 0.7); they read through indexes whatever
    the parameters.
    """
    statements = [prologue] if prologue else []
    statements.append(SQL("RETURN QUERY %s", query))
    replace_plpgsql_function(
        cr,
        name,
        params,
        returns,
        statements,
        declare,
        settings={"plan_cache_mode": "force_generic_plan"},
    )


def replace_plpgsql_function(
    cr, name, params, returns, statements, declare=(), settings=None
):
    """(Re)create the PL/pgSQL function ``name`` whose body runs
    ``statements`` (SQL, each one PL/pgSQL statement without its ``;``),
    with the variables ``declare`` (``[(name, type)]``); see
    :func:`replace_query_function`. ``returns``: ``[(name, type)]`` of the
    result columns (``RETURNS TABLE``), or a type such as ``"trigger"``.
    Its parameters are ``params`` (``[(name, type)]``); ``settings``:
    ``{name: value}`` of the configuration it runs with (``SET``). The old
    function is dropped first, with the triggers that call it
    (``CASCADE``)."""

    def columns(pairs):
        return SQL(", ").join(SQL("%s %s", SQL.identifier(n), SQL(t)) for n, t in pairs)

    drop_query_function(cr, name)

    def text(sql):
        return cr.mogrify(sql.code, sql.params).decode()

    lines = ["#variable_conflict use_column"]
    if declare:
        lines.append("DECLARE")
        lines += ["%s %s;" % (n, t) for n, t in declare]
    lines.append("BEGIN")
    lines += ["%s;" % text(statement) for statement in statements]
    lines.append("END")
    result = (
        SQL(returns)
        if isinstance(returns, str)
        else SQL("TABLE (%s)", columns(returns))
    )
    options = SQL(" ").join(
        SQL("SET %s = %s", SQL.identifier(key), value)
        for key, value in (settings or {}).items()
    )
    cr.execute(
        SQL(
            "CREATE FUNCTION %s(%s) RETURNS %s LANGUAGE plpgsql VOLATILE %s AS %s",
            SQL.identifier(name),
            columns(params),
            result,
            options,
            "\n".join(lines),
        )
    )


# The transition tables of a statement trigger, per operation.
TRANSITION_TABLES = {
    "INSERT": "NEW TABLE AS new_rows",
    "DELETE": "OLD TABLE AS old_rows",
    "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
}


def create_transition_triggers(cr, function, table):
    """Create the statement-level triggers ``<function>_insert``,
    ``_delete`` and ``_update`` on ``table`` that run the trigger function
    ``function`` with their transition tables (``new_rows``,
    ``old_rows``); dropped with the function."""
    for op, tables in TRANSITION_TABLES.items():
        cr.execute(
            SQL(
                "CREATE TRIGGER %s AFTER %s ON %s REFERENCING %s "
                "FOR EACH STATEMENT EXECUTE FUNCTION %s()",
                SQL.identifier(f"{function}_{op.lower()}"),
                SQL(op),
                SQL.identifier(table),
                SQL(tables),
                SQL.identifier(function),
            )
        )


def transition_rows_sql(op, columns=None):
    """``(after, before)``: SQL queries of the rows of one statement of
    ``op`` as they are after it and as they were before it, in a trigger of
    :func:`create_transition_triggers`; the side an operation does not have
    is empty (with the table's columns).

    An update's rows are all of them when ``columns`` is None: what the
    trigger measures over the rows after minus the rows before then cancels
    for the rows it does not move, exactly when its amounts are numeric.
    With ``columns``, only the rows where one of them changed: the pairs of
    rows are matched on their ids in a join of the two transition tables,
    which PostgreSQL may plan as a nested loop (its plan of the trigger's
    statement is kept for the session, from the sizes of its first call):
    quadratic on a large statement (a rewrite of 5,000 journal items took
    11 s that way, 0.2 s without the join)."""
    if op == "INSERT":
        return SQL("SELECT * FROM new_rows"), SQL("SELECT * FROM new_rows WHERE FALSE")
    if op == "DELETE":
        return SQL("SELECT * FROM old_rows WHERE FALSE"), SQL("SELECT * FROM old_rows")
    if columns is None:
        return SQL("SELECT * FROM new_rows"), SQL("SELECT * FROM old_rows")
    differ = SQL(
        "(%s) IS DISTINCT FROM (%s)",
        SQL(", ").join(SQL.identifier("n", name) for name in columns),
        SQL(", ").join(SQL.identifier("o", name) for name in columns),
    )
    return (
        SQL(
            "SELECT n.* FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE %s",
            differ,
        ),
        SQL(
            "SELECT o.* FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE %s",
            differ,
        ),
    )


def drop_query_function(cr, name):
    """Drop the functions called ``name`` (of :func:`replace_query_function`
    and :func:`replace_plpgsql_function`), whatever their parameters, with
    the triggers that call them: at an update, and in an uninstall hook."""
    cr.execute(
        SQL(
            "SELECT oid::regprocedure::text FROM pg_proc WHERE proname = %s",
            name,
        )
    )
    for (signature,) in cr.fetchall():
        cr.execute(SQL("DROP FUNCTION IF EXISTS %s CASCADE", SQL(signature)))


@contextlib.contextmanager
def action_savepoint(cr):
    """Odoo's savepoint (``cr.savepoint()``) without running the precommit
    hooks on entry, for a control that runs a document's action in a
    savepoint from inside the document's ``write`` (its state change):
    entering Odoo's flushing savepoint finalizes the chatter's tracking that
    ``mail.thread.write`` prepared before the control, when the state is not
    written yet, and the change would never be tracked. As Odoo's, it
    flushes on entry and on release, and clears the transaction's cache and
    hooks when it rolls back."""
    cr.transaction.flush()
    try:
        with cr.savepoint(flush=False):
            yield
            cr.transaction.flush()
    except Exception:
        cr.clear()
        raise
