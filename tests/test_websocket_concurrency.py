"""Live notifications: two web clients connected to /websocket at the same
time both receive, as it happens, a message posted over XML-RPC by another
connection. In prefork mode (IC_WORKERS, as in production) /websocket is served
by the gevent process on its own port, which must start and stay up; in
threaded mode by the HTTP server itself."""

import json
import time
import urllib.request
import xmlrpc.client

import websocket


def _login(url, db, login, password):
    """A web session (its session_id cookie), as the web client opens one."""
    request = urllib.request.Request(  # noqa: S310
        f"{url}/web/session/authenticate",
        data=json.dumps(
            {
                "jsonrpc": "2.0",
                "params": {"db": db, "login": login, "password": password},
            }
        ).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        body = json.load(response)
        assert "error" not in body, body
        cookie = response.headers.get("Set-Cookie", "")
    session_id = cookie.split("session_id=", 1)[1].split(";", 1)[0]
    assert session_id, cookie
    return session_id


def _websocket(odoo_server, session_id):
    ws = websocket.create_connection(
        odoo_server["websocket_url"],
        cookie=f"session_id={session_id}",
        origin=odoo_server["url"],
        timeout=30,
    )
    ws.send(
        json.dumps({"event_name": "subscribe", "data": {"channels": [], "last": 0}})
    )
    return ws


def test_websocket_health(odoo_server):
    """The process behind /websocket answers (in prefork mode: the gevent
    process, which used to die at start and be respawned in a loop)."""
    health = odoo_server["websocket_url"].replace("ws://", "http://") + "/health"
    for _ in range(2):
        with urllib.request.urlopen(health, timeout=30) as response:  # noqa: S310
            assert json.load(response) == {"status": "pass"}
        time.sleep(1)


def test_notifications_arrive_live(odoo_server):
    url, db = odoo_server["url"], odoo_server["db"]
    common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
    uid = common.authenticate(db, "admin", "admin", {})
    models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object", allow_none=True)

    def call(model, method, *args, **kwargs):
        return models.execute_kw(db, uid, "admin", model, method, list(args), kwargs)

    stamp = str(time.time_ns())
    call("discuss.channel", "channel_create", f"Live {stamp}", None)
    channel_id = call("discuss.channel", "search", [["name", "=", f"Live {stamp}"]])[0]

    # Two clients at once, each with its own session, subscribed before the post.
    sockets = [
        _websocket(odoo_server, _login(url, db, "admin", "admin")) for _ in range(2)
    ]
    try:
        time.sleep(1)
        marker = f"livemarker{stamp}"
        call(
            "discuss.channel",
            "message_post",
            [channel_id],
            body=marker,
            message_type="comment",
        )
        for ws in sockets:
            deadline = time.monotonic() + 30
            received = []
            while not any(marker in frame for frame in received):
                assert time.monotonic() < deadline, (
                    f"no notification of the message in 30 s ({len(received)} frames)"
                )
                ws.settimeout(max(0.1, deadline - time.monotonic()))
                received.append(ws.recv())
    finally:
        for ws in sockets:
            ws.close()
