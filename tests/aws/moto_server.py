"""moto's server, one request at a time: python moto_server.py HOST PORT.

DynamoDB checks a write's condition and applies the write atomically. moto's threaded server does not (two
requests can pass the same check before either writes), so this launcher serialises requests, giving the stand-in
the one guarantee the store's compare-and-set relies on. Everything else is moto's own server.
"""

import os
import sys
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple


def main(host, port):
    os.environ.setdefault("MOTO_PORT", port)
    app = DomainDispatcherApplication(create_backend_app)
    lock = threading.Lock()

    def serialised(environ, start_response):
        with lock:
            return list(app(environ, start_response))

    run_simple(host, int(port), serialised, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
