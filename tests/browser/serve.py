#!/usr/bin/env python3
"""Static server for www/ on 127.0.0.1 (used by `./build.sh serve` and the
browser tests). Sends the same Content-Security-Policy as the page's meta tag
as a header too, so the Web Worker (which ignores meta tags) is bound by it."""
import argparse
import functools
import http.server
import os
import sys
import threading

CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; "
       "worker-src 'self'; img-src 'self' data: blob:; style-src 'self'; font-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'none'")


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm",
        ".css": "text/css", ".html": "text/html; charset=utf-8", ".json": "application/json",
    }

    def end_headers(self):
        # --frame-src: a test portal page that embeds gopherlens from another origin.
        csp = CSP + (f"; frame-src {self.server.frame_src}" if self.server.frame_src else "")
        self.send_header("Content-Security-Policy", csp)
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, fmt, *args):
        if self.server.verbose:
            super().log_message(fmt, *args)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--dir", default="www")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--frame-src", default="", help="origin this page may frame (embedding tests)")
    ap.add_argument("--exit-on-stdin-eof", action="store_true",
                    help="stop when stdin closes (tests: the server dies with the process that started it)")
    a = ap.parse_args()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), functools.partial(Handler, directory=a.dir))
    srv.verbose = not a.quiet
    srv.frame_src = a.frame_src
    print(f"listening on http://127.0.0.1:{srv.server_address[1]}/", flush=True)
    if a.exit_on_stdin_eof:
        def watch():
            while sys.stdin.buffer.read(4096):
                pass
            os._exit(0)
        threading.Thread(target=watch, daemon=True).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
