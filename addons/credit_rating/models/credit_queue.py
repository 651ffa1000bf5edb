"""The queue of the confirmations that lost a customer's lock.

The credit check locks the customer (``res.partner._credit_locked_check_data``):
under REPEATABLE READ, a confirmation that waited for another one of the same
customer fails to serialize once that one commits, and Odoo retries the
request (5 tries, a random back-off between them). Under load, a request
could lose the customer again at every try and be given up.

To take turns instead, every credit check first takes a transaction-level
advisory lock on each customer (``ADVISORY_NAMESPACE``, the customer's id),
and a request that lost keeps the customers it lost (:func:`lost`). When
Odoo runs it again, before its first statement (:func:`take_turn`, called
at the top of the confirmation), it takes a session-level advisory lock on
them, which waits for the transactions holding them to end, then waits for
the customer's lock row (``credit_exposure_lock``) to be free. The retried
request's snapshot is taken after
that, and nobody locks the customer before it. The session-level lock is
given back after the retried request's commit or rollback (its cursor's
``postcommit`` and ``postrollback``; a closed connection releases it too).
A transaction takes turns for ``TURNS_PER_TRANSACTION`` customers at most
(:func:`may_take_turns`): the advisory locks live in PostgreSQL's shared
lock table (``max_locks_per_transaction``), where a batch confirming
thousands of customers must not go; its checks are as exact without them.

The turn is taken only when the connection has no transaction open (the
XML-RPC call of the retry; the web client reads the user's session first):
otherwise the retry goes on as before, with Odoo's back-off. The locks never
decide what is allowed: the row lock and the snapshot keep the limit, as
before.
"""

import logging
import time

import psycopg2
from psycopg2.extensions import TRANSACTION_STATUS_IDLE

from odoo.tools import SQL

from .credit_exposure_ledger import LOCK_TABLE

_logger = logging.getLogger(__name__)

# "CR" (credit rating): the first key of the advisory locks, the customer's id
# is the second.
ADVISORY_NAMESPACE = 0x4352

# {connection: (monotonic time, contact ids)} of the requests that lost a
# customer's lock on that connection, until Odoo runs them again.
_LOST = {}
# A lost turn older than Odoo's back-off (2 + 4 + 8 + 16 s) is not a retry.
_TURN_SECONDS = 40.0
TURNS_PER_TRANSACTION = 20
# The longest wait for a turn (PostgreSQL's lock_timeout): a turn is held
# for one request; one held longer (its connection stuck, or stranded behind
# a connection pooler in transaction mode, where session-level locks do not
# work: run the pooler in session mode) is passed after that.
TURN_WAIT = "5s"


def _connection(cr):
    # TestCursor (HttpCase) has none: no turns under tests.
    return getattr(cr, "_cnx", None)


def may_take_turns(cr, partner_ids):
    """Whether the credit check of ``partner_ids`` takes the customers'
    turns: while the transaction has taken turns for fewer than
    ``TURNS_PER_TRANSACTION`` customers (counted in the cursor's
    ``postcommit`` data, which lives as long as the transaction)."""
    data = cr.postcommit.data
    taken = data.get("credit_rating.turns", 0) + len(set(partner_ids))
    if taken > TURNS_PER_TRANSACTION:
        return False
    data["credit_rating.turns"] = taken
    return True


def lost(cr, partner_ids):
    """The statement of the credit check of ``partner_ids`` (contacts) failed
    to serialize on ``cr``: their turn is taken when Odoo runs the request
    again."""
    cnx = _connection(cr)
    if cnx is None:
        return
    now = time.monotonic()
    # Forget the turns of requests that were not run again (given up, or
    # their connection closed).
    for key, (since, _ids) in list(_LOST.items()):
        if now - since > _TURN_SECONDS:
            _LOST.pop(key, None)
    _LOST[cnx] = (now, sorted(set(partner_ids)))


def take_turn(cr):
    """Wait, before the request's snapshot, for the customers this connection
    lost in the request's previous try, and hold them until the request ends
    (see the module's docstring); nothing otherwise. Returns the customers'
    ids it holds."""
    cnx = _connection(cr)
    if cnx is None or cnx not in _LOST:
        return []
    since, partner_ids = _LOST.pop(cnx)
    if (
        time.monotonic() - since > _TURN_SECONDS
        or cnx.get_transaction_status() != TRANSACTION_STATUS_IDLE
    ):
        return []
    try:
        held = _wait_for_turn(cnx, partner_ids)
    except psycopg2.Error as error:
        # (A deadlock with another batch, a lost connection.) No turn: the
        # request goes on as before, and no session lock is left behind.
        _logger.info("No turn for customers %s: %s", partner_ids, error)
        if not cnx.closed:
            cnx.rollback()
            with cnx.cursor() as raw:
                raw.execute("SELECT pg_advisory_unlock_all()")
            cnx.rollback()
        return []
    released = []

    def release():
        if released or cnx.closed:
            return
        released.append(True)
        idle = cnx.get_transaction_status() == TRANSACTION_STATUS_IDLE
        with cnx.cursor() as raw:
            raw.execute(
                "SELECT c, pg_advisory_unlock(%s, c) FROM unnest(%s) c",
                (ADVISORY_NAMESPACE, held),
            )
            stranded = [c for c, unlocked in raw.fetchall() if not unlocked]
        if idle:
            cnx.rollback()
        if stranded:
            _logger.warning(
                "The turns of customers %s were taken on another database "
                "session than the one giving them back: is a connection pooler "
                "in transaction mode between Odoo and PostgreSQL? Use session "
                "mode. Other confirmations of these customers wait %s for them.",
                stranded,
                TURN_WAIT,
            )

    cr.postcommit.add(release)
    cr.postrollback.add(release)
    return held


def _wait_for_turn(cnx, partner_ids):
    """Take the session-level advisory locks of the commercial partners of
    ``partner_ids`` (waiting for their holders), then wait for their rows to
    be free, in a transaction of its own that ends here; return their ids."""
    with cnx.cursor() as raw:
        # READ COMMITTED: waiting for the row does not fail when its holder
        # commits; no turn is waited for longer than TURN_WAIT.
        raw.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
        raw.execute("SET LOCAL lock_timeout = %s", (TURN_WAIT,))
        raw.execute(
            """
            SELECT c.id, pg_advisory_lock(%s, c.id)
              FROM (SELECT DISTINCT commercial_partner_id AS id
                      FROM res_partner
                     WHERE id = ANY(%s)
                  ORDER BY 1) c
            """,
            (ADVISORY_NAMESPACE, partner_ids),
        )
        held = [row[0] for row in raw.fetchall()]
        # The check's lock is a write of the customer's row of LOCK_TABLE
        # (FOR NO KEY UPDATE waits for it alone).
        wait = SQL(
            "SELECT partner_id FROM %s WHERE partner_id = ANY(%s) "
            "ORDER BY partner_id FOR NO KEY UPDATE",
            SQL.identifier(LOCK_TABLE),
            held,
        )
        raw.execute(wait.code, wait.params)
    # The row is not kept: the request's snapshot is taken by its own first
    # statement, after the turn came.
    cnx.rollback()
    return held
