"""A local stand-in for the parts of Stripe's API that Ordo calls, for the API fuzz run.

It speaks Stripe's documented wire format over a real socket: form-encoded POSTs authorized
with the secret key as a bearer token, answers as Stripe's JSON objects (PaymentIntent,
Refund) or its error envelope, and replays an answer for a repeated `Idempotency-Key`.
The payment method `pm_card_chargeDeclined` is declined, as Stripe's test card is.

Usage: python3 stripe_standin.py PORT SECRET_KEY
"""

import json
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

LOCK = threading.Lock()
INTENTS = {}
REPLAYS = {}


def new_id(prefix):
    return f"{prefix}_{uuid.uuid4().hex[:24]}"


def error(status, kind, message, code=None):
    body = {"error": {"type": kind, "message": message}}
    if code:
        body["error"]["code"] = code
    return status, body


def create_intent(form):
    try:
        amount = int(form.get("amount", ""))
    except ValueError:
        return error(400, "invalid_request_error", "Invalid integer: amount", "parameter_invalid_integer")
    if amount < 1:
        return error(400, "invalid_request_error", "This value must be greater than or equal to 1.", "parameter_invalid_integer")
    currency = form.get("currency", "")
    if len(currency) != 3:
        return error(400, "invalid_request_error", "Invalid currency", "parameter_invalid_string")
    if form.get("payment_method") == "pm_card_chargeDeclined":
        return error(402, "card_error", "Your card was declined.", "card_declined")
    manual = form.get("capture_method") == "manual"
    intent = {
        "id": new_id("pi"),
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": amount if manual else 0,
        "amount_received": 0 if manual else amount,
        "currency": currency,
        "capture_method": "manual" if manual else "automatic",
        "status": "requires_capture" if manual else "succeeded",
        "metadata": {k[len("metadata[") : -1]: v for k, v in form.items() if k.startswith("metadata[")},
    }
    INTENTS[intent["id"]] = intent
    return 200, intent


def capture(intent_id, form):
    intent = INTENTS.get(intent_id)
    if intent is None:
        return error(404, "invalid_request_error", f"No such payment_intent: '{intent_id}'", "resource_missing")
    if intent["status"] != "requires_capture":
        return error(400, "invalid_request_error", "This PaymentIntent could not be captured.", "payment_intent_unexpected_state")
    amount = int(form.get("amount_to_capture", intent["amount_capturable"]))
    if amount > intent["amount_capturable"]:
        return error(400, "invalid_request_error", "Amount to capture exceeds what is capturable.", "amount_too_large")
    intent["amount_received"] += amount
    intent["amount_capturable"] = 0
    intent["status"] = "succeeded"
    return 200, intent


def cancel(intent_id):
    intent = INTENTS.get(intent_id)
    if intent is None:
        return error(404, "invalid_request_error", f"No such payment_intent: '{intent_id}'", "resource_missing")
    if intent["status"] not in ("requires_capture", "requires_payment_method", "requires_confirmation"):
        return error(400, "invalid_request_error", "This PaymentIntent could not be canceled.", "payment_intent_unexpected_state")
    intent["amount_capturable"] = 0
    intent["status"] = "canceled"
    return 200, intent


def refund(form):
    intent = INTENTS.get(form.get("payment_intent", ""))
    if intent is None:
        return error(404, "invalid_request_error", "No such payment_intent", "resource_missing")
    amount = int(form.get("amount", intent["amount_received"]))
    refunded = intent.get("amount_refunded", 0)
    if amount < 1 or refunded + amount > intent["amount_received"]:
        return error(400, "invalid_request_error", "Refund amount is greater than unrefunded amount.", "amount_too_large")
    intent["amount_refunded"] = refunded + amount
    return 200, {"id": new_id("re"), "object": "refund", "amount": amount, "payment_intent": intent["id"], "status": "succeeded"}


class Handler(BaseHTTPRequestHandler):
    secret = ""

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length).decode()
        if self.headers.get("Authorization") != f"Bearer {self.secret}":
            return self.answer(*error(401, "invalid_request_error", "Invalid API Key provided"))
        form = dict(parse_qsl(raw, keep_blank_values=True))
        key = self.headers.get("Idempotency-Key")
        with LOCK:
            if key and key in REPLAYS:
                return self.answer(*REPLAYS[key])
            parts = self.path.strip("/").split("/")
            if parts == ["v1", "payment_intents"]:
                result = create_intent(form)
            elif len(parts) == 4 and parts[:2] == ["v1", "payment_intents"] and parts[3] == "capture":
                result = capture(parts[2], form)
            elif len(parts) == 4 and parts[:2] == ["v1", "payment_intents"] and parts[3] == "cancel":
                result = cancel(parts[2])
            elif parts == ["v1", "refunds"]:
                result = refund(form)
            else:
                result = error(404, "invalid_request_error", f"Unrecognized request URL (POST: {self.path})")
            if key:
                REPLAYS[key] = result
        self.answer(*result)


def main():
    port, Handler.secret = int(sys.argv[1]), sys.argv[2]
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
