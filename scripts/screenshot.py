"""Screenshot a page of a running Odoo server with headless Chromium.

    python scripts/screenshot.py --url http://127.0.0.1:8069 --db ic_demo \
        --login controller --password controller --path /odoo/internal-control \
        --lang zh_CN --size 1440x1000 --out shot.png

Logs in over JSON-RPC, sets the user's language for the shot (and puts the
previous one back), opens the page in Chromium through the DevTools protocol
(websocket-client, one of Odoo's requirements), waits for ``--wait`` (a CSS
selector) and saves a PNG of the page. Used for the addons'
``static/description`` screenshots.
"""

import argparse
import base64
import json
import subprocess
import tempfile
import time
import urllib.request
from http.cookiejar import CookieJar

import websocket


def rpc(opener, url, route, params):
    data = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}).encode()
    request = urllib.request.Request(
        url + route, data, {"Content-Type": "application/json"}
    )
    reply = json.load(opener.open(request))
    if reply.get("error"):
        raise RuntimeError(reply["error"]["data"]["message"])
    return reply["result"]


def set_lang(opener, url, uid, lang):
    params = {
        "model": "res.users",
        "method": "write",
        "args": [[uid], {"lang": lang}],
        "kwargs": {},
    }
    rpc(opener, url, "/web/dataset/call_kw", params)


def shoot(args, session_id):
    width, height = (int(x) for x in args.size.split("x"))
    port = 9300 + int(time.time()) % 500
    profile = tempfile.mkdtemp(prefix="ic_shot_")
    chrome = subprocess.Popen(
        [
            args.chromium,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--remote-allow-origins=*",
            f"--remote-debugging-port={port}",
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _attempt in range(50):
            try:
                targets = json.load(
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/json")
                )
                page = next(t for t in targets if t["type"] == "page")
                break
            except (OSError, StopIteration):
                time.sleep(0.2)
        ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
        ids = iter(range(1, 10**6))

        def send(method, **params):
            msg_id = next(ids)
            ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
            while True:
                msg = json.loads(ws.recv())
                if msg.get("id") == msg_id:
                    return msg.get("result", {})

        host = urllib.request.urlparse(args.url).hostname
        send("Network.enable")
        send(
            "Network.setCookie",
            name="session_id",
            value=session_id,
            domain=host,
            path="/",
        )
        mobile = width < 768
        send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=2 if mobile else 1,
            mobile=mobile,
        )
        send("Page.navigate", url=args.url + args.path)
        expression = f"!!document.querySelector({json.dumps(args.wait)})"
        for _attempt in range(150):
            found = send("Runtime.evaluate", expression=expression)
            if found.get("result", {}).get("value"):
                break
            time.sleep(0.2)
        else:
            raise RuntimeError(f"{args.wait} not found on {args.path}")
        time.sleep(args.settle)  # charts' animation
        shot = send("Page.captureScreenshot", format="png")
        with open(args.out, "wb") as out:
            out.write(base64.b64decode(shot["data"]))
        ws.close()
    finally:
        chrome.terminate()
        chrome.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", required=True)
    parser.add_argument("--login", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--path", default="/odoo/internal-control")
    parser.add_argument("--wait", default=".o_control_dashboard_section")
    parser.add_argument("--lang", default="en_US")
    parser.add_argument("--size", default="1440x1000")
    parser.add_argument("--settle", type=float, default=2.0)
    parser.add_argument("--chromium", default="chromium")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    session = rpc(
        opener,
        args.url,
        "/web/session/authenticate",
        {"db": args.db, "login": args.login, "password": args.password},
    )
    uid, previous = session["uid"], session["user_context"]["lang"]
    session_id = next(c.value for c in jar if c.name == "session_id")
    set_lang(opener, args.url, uid, args.lang)
    try:
        shoot(args, session_id)
    finally:
        set_lang(opener, args.url, uid, previous)
    print(args.out)


if __name__ == "__main__":
    main()
