"""Hooks for the API fuzz run.

Each generated request is a new logical request, as a client's would be, so it is sent with
a key of its own: the fuzzer would otherwise send one example key with many bodies, which the
API rightly refuses (422 `idempotency_key_reused`). Replays are proven by the test suite.
"""

import hashlib
import hmac
import json
import os
import time
import uuid

import schemathesis


# A new order's amounts are all in the order's currency and its discount is no more than what
# it is taken from, a rate card's amounts are in one currency, and a carrier's service codes
# are unique: rules between fields that JSON Schema cannot state (the document says them in
# words). Generated valid orders are brought
# into line with it, as a client's would be: every amount takes the order's currency, and
# one that the currency's decimals cannot hold becomes "1". Only valid cases are touched; an
# invalid one must reach the server as generated.
MONEY_FIELDS = ("shipping", "tax", "discount")


def _in_currency(money, currency):
    if isinstance(money, dict) and isinstance(money.get("currency"), str) and money["currency"] != currency:
        money["currency"] = currency
        form = AMOUNT_FORMS.get(currency)
        if form is not None and not form.match(str(money.get("amount", ""))):
            money["amount"] = "1"


def _positive(case):
    meta = getattr(case, "meta", None)
    mode = getattr(getattr(meta, "generation", None), "mode", None)
    return mode is not None and str(getattr(mode, "value", mode)) == "positive"


def _amount_forms():
    """Each currency's amount pattern, as the document's money rules give it."""
    import pathlib
    import re

    doc = json.loads(pathlib.Path(__file__).resolve().parents[2].joinpath("docs/openapi.json").read_text())
    forms = {}
    for rule in doc["components"]["schemas"]["MoneyInput"]["allOf"]:
        pattern = re.compile(rule["then"]["properties"]["amount"]["pattern"])
        for code in rule["if"]["properties"]["currency"]["enum"]:
            forms[code] = pattern
    return forms


AMOUNT_FORMS = _amount_forms()


@schemathesis.hook
def before_call(context, case, kwargs):
    for headers in (kwargs.get("headers"), case.headers):
        if headers is not None and "Idempotency-Key" in headers:
            headers["Idempotency-Key"] = uuid.uuid4().hex
    body = case.body
    if case.path == "/v1/payments/stripe/webhook" and _positive(case):
        # A valid event is one Stripe signed: sign it as Stripe does, over the bytes sent.
        secret = os.environ.get("ORDO_STRIPE_WEBHOOK_SECRET", "")
        stamp = int(time.time())
        signed = f"{stamp}.{json.dumps(body)}".encode()
        signature = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        if case.headers is None:
            case.headers = {}
        case.headers["Stripe-Signature"] = f"t={stamp},v1={signature}"
        return
    if not (case.method.upper() == "POST" and isinstance(body, dict) and _positive(case)):
        return
    if case.path == "/v1/carriers":
        # Service codes are unique within a carrier, and a zone's rate card is in one currency.
        seen = set()
        for i, service in enumerate(body.get("services") or []):
            if isinstance(service, dict) and isinstance(service.get("code"), str):
                if service["code"] in seen:
                    service["code"] = f"S{i}"
                seen.add(service["code"])
        for service in body.get("services") or []:
            for zone in (service.get("zones") or []) if isinstance(service, dict) else []:
                if isinstance(zone, dict) and isinstance(zone.get("base"), dict):
                    currency = zone["base"].get("currency")
                    _in_currency(zone.get("per_kg"), currency)
                    for bracket in zone.get("brackets") or []:
                        if isinstance(bracket, dict):
                            _in_currency(bracket.get("price"), currency)
    if case.path == "/v1/orders":
        currency = body.get("currency")
        if isinstance(currency, str):
            for line in body.get("lines") or []:
                if isinstance(line, dict):
                    _in_currency(line.get("unit_price"), currency)
            for field in MONEY_FIELDS:
                _in_currency(body.get(field), currency)
            # A discount cannot exceed what it is taken from.
            if isinstance(body.get("discount"), dict):
                body["discount"]["amount"] = "0"
