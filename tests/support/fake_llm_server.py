"""A stand-in for ``python -m llama_cpp.server`` in lifecycle tests (stdlib only).

It takes the same arguments sdgen passes to the real server and serves ``GET /v1/models`` on
``--host``/``--port``; ``--fake-mode`` makes it misbehave:

- ``ok``: answers after ``--fake-delay`` seconds (like a model loading), until SIGTERM;
- ``crash``: prints a message and exits 3 without listening;
- ``never-ready``: runs but never listens;
- ``ignore-term``: answers, but ignores SIGTERM (must be killed).

It writes its pid, its arguments and ``$PORT`` to ``--fake-record`` (JSON) when given, and
answers 401 without ``Authorization: Bearer <--api_key>`` when a key is set, as the real one does.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fake-mode", default="ok")
    parser.add_argument("--fake-delay", type=float, default=0.0)
    parser.add_argument("--fake-record", default="")
    parser.add_argument("--model", required=True)
    parser.add_argument("--model_alias", default="fake")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api_key", default="")
    args, rest = parser.parse_known_args()

    if args.fake_record:
        with open(args.fake_record, "w", encoding="utf-8") as handle:
            record = {"pid": os.getpid(), "argv": sys.argv[1:], "PORT": os.environ.get("PORT")}
            json.dump(record, handle)

    print(f"fake server: loading {args.model}", flush=True)
    if args.fake_mode == "crash":
        print("fake server: error loading model: the file is not a GGUF", flush=True)
        raise SystemExit(3)
    if args.fake_mode == "never-ready":
        while True:
            time.sleep(1)
    if args.fake_mode == "ignore-term":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    else:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    time.sleep(args.fake_delay)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            if args.api_key and self.headers.get("Authorization") != f"Bearer {args.api_key}":
                self._reply(401, {"error": "invalid api key"})
            elif self.path == "/v1/models":
                self._reply(200, {"object": "list", "data": [{"id": args.model_alias}]})
            else:
                self._reply(404, {"error": "not found"})

        def _reply(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *values: object) -> None:
            print("fake server:", format % values, flush=True)

    try:
        server = ThreadingHTTPServer((args.host, args.port), Handler)
    except OSError as exc:
        print(f"ERROR: {exc}", flush=True)  # "[Errno 98] Address already in use", as uvicorn says
        raise SystemExit(1) from None
    print(f"fake server: listening on {args.host}:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
