"""A file server on 127.0.0.1 for the hub tests.

It serves a folder, counts requests per path, and has two failure modes:
`/truncated/<name>` announces the full Content-Length but sends only half of
the file and closes the connection; `/missing/<name>` answers 404.
"""

import http.server
import os
import threading
import urllib.parse


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):
        server = self.server
        path = urllib.parse.urlparse(self.path).path
        server.requests[path] = server.requests.get(path, 0) + 1
        parts = path.strip("/").split("/")
        mode = parts[0] if len(parts) == 2 else "ok"
        name = parts[-1]
        file_path = os.path.join(server.root, name)
        if mode == "missing" or not os.path.isfile(file_path):
            self.send_error(404)
            return
        with open(file_path, "rb") as f:
            data = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if mode == "truncated":
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(data)


class FileServer:
    """`with FileServer(root) as server: server.url("x.bin")`."""

    def __init__(self, root):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.root = root
        self.httpd.requests = {}
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, daemon=True
        )

    @property
    def requests(self):
        return self.httpd.requests

    def url(self, name, mode=None):
        host, port = self.httpd.server_address
        prefix = f"/{mode}" if mode else ""
        return f"http://{host}:{port}{prefix}/{name}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()
