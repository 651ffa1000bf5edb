"""Calls to a running server made at the same moment, one thread each, for
the concurrency tests (imported by them: pytest puts this folder on the
path)."""

import threading
import xmlrpc.client


def at_once(jobs, timeout=120):
    """Run each job of ``jobs`` (``{key: (prepare, act)}``) in a thread of its
    own: ``act(prepare(), key)``, every ``act`` started at the same moment
    (a barrier once all the ``prepare``, e.g. a connection of its own, are
    done).

    :return: ``{key: what act returned, or the text of its XML-RPC fault}``
    """
    barrier = threading.Barrier(len(jobs))
    outcomes = {}

    def run(key, prepare, act):
        prepared = prepare()
        barrier.wait()
        try:
            outcomes[key] = act(prepared, key)
        except xmlrpc.client.Fault as fault:
            outcomes[key] = fault.faultString

    threads = [
        threading.Thread(target=run, args=(key, prepare, act))
        for key, (prepare, act) in jobs.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return outcomes
