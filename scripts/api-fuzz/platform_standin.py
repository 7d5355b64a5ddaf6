"""A local stand-in for the parts of WooCommerce's REST API v3 that Ordo calls, for the API
fuzz run: `GET /wp-json/wc/v3/orders` (no order changed: an empty page, one page in all) and
`PUT /wp-json/wc/v3/products/{id}` and `.../variations/{id}` (a product's stock set), both
authorized with the consumer key and secret as HTTP Basic; and `POST /hooks`, where the run's
outbound webhook subscriptions deliver.

Usage: python3 platform_standin.py PORT CONSUMER_KEY CONSUMER_SECRET
"""

import base64
import json
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PRODUCT = re.compile(r"^/wp-json/wc/v3/products/([0-9]+)(/variations/([0-9]+))?$")


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _authorized(self):
        expected = "Basic " + base64.b64encode(f"{sys.argv[2]}:{sys.argv[3]}".encode()).decode()
        return self.headers.get("Authorization") == expected

    def _answer(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            # The caller stopped waiting (a server shut down mid-delivery); nothing to answer.
            pass

    def do_GET(self):
        if not self._authorized():
            return self._answer(401, {"code": "woocommerce_rest_cannot_view", "message": "Sorry, you cannot list resources."})
        if self.path.split("?", 1)[0] == "/wp-json/wc/v3/orders":
            return self._answer(200, [], [("X-WP-Total", "0"), ("X-WP-TotalPages", "1")])
        self._answer(404, {"code": "rest_no_route", "message": "No route was found."})

    def do_PUT(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if not self._authorized():
            return self._answer(401, {"code": "woocommerce_rest_cannot_edit", "message": "Sorry, you cannot edit this resource."})
        found = PRODUCT.match(self.path)
        if not found:
            return self._answer(404, {"code": "rest_no_route", "message": "No route was found."})
        ident = int(found.group(3) or found.group(1))
        self._answer(200, {"id": ident, "manage_stock": True, "stock_quantity": body.get("stock_quantity")})

    def do_POST(self):
        # Ordo's outbound webhooks for the run's subscriptions: taken.
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        if self.path == "/hooks":
            return self._answer(200, {"ok": True})
        self._answer(404, {"code": "rest_no_route", "message": "No route was found."})


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
