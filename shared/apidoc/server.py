"""`kakehashi docs`: the contracts' HTML, AsyncAPI document and JSON Schemas over HTTP, generated from the code."""

from __future__ import annotations

import http.server
import threading

from rich.console import Console

from shared.apidoc.bundle import bundle

_TYPES = {".html": "text/html; charset=utf-8", ".yaml": "application/yaml", ".json": "application/schema+json"}


def serve_docs(*, host: str, port: int, console: Console) -> None:
    files = bundle()
    files[""] = files["index.html"]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            name = self.path.split("?", 1)[0].lstrip("/")
            content = files.get(name)
            if content is None:
                self.send_error(404, "no such document")
                return
            body = content.encode()
            self.send_response(200)
            suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ".html"
            self.send_header("Content-Type", _TYPES.get(suffix, "text/plain; charset=utf-8"))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            console.print(f"[dim]{self.address_string()} {format % args}[/]", highlight=False)

    server = http.server.ThreadingHTTPServer((host, port), Handler)
    address = f"http://{host}:{server.server_address[1]}/"
    console.print(f"Contracts at [bold]{address}[/] (AsyncAPI at {address}asyncapi.yaml). Ctrl-C stops.")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        thread.join()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
