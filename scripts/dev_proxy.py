"""A development stand-in for the reverse proxy of a prefork Odoo (`make run
WORKERS=n`): listens on one port and sends each connection whose first request
is for /websocket to Odoo's gevent port, every other connection to its HTTP
workers. Browsers open a connection of its own for each websocket, so routing
by a connection's first request is enough. Production uses nginx or the like
(README, "Running in production").

    python dev_proxy.py LISTEN_PORT HTTP_PORT GEVENT_PORT
"""

import asyncio
import sys

HOST = "127.0.0.1"


async def _pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def _handle(client_reader, client_writer, http_port, gevent_port):
    try:
        first = await client_reader.readline()
    except ConnectionError:
        client_writer.close()
        return
    parts = first.split()
    path = parts[1].decode(errors="replace") if len(parts) > 1 else ""
    port = gevent_port if path.split("?", 1)[0] == "/websocket" else http_port
    try:
        upstream_reader, upstream_writer = await asyncio.open_connection(HOST, port)
    except OSError:
        client_writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
        client_writer.close()
        return
    upstream_writer.write(first)
    await asyncio.gather(
        _pipe(client_reader, upstream_writer), _pipe(upstream_reader, client_writer)
    )


async def main(listen_port, http_port, gevent_port):
    def handle(reader, writer):
        return _handle(reader, writer, http_port, gevent_port)

    server = await asyncio.start_server(handle, "0.0.0.0", listen_port)  # noqa: S104
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    listen, http, gevent = (int(arg) for arg in sys.argv[1:4])
    try:
        asyncio.run(main(listen, http, gevent))
    except KeyboardInterrupt:
        pass
