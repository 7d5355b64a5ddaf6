"""Hooks for the API fuzz run.

Each generated request is a new logical request, as a client's would be, so it is sent with
a key of its own: the fuzzer would otherwise send one example key with many bodies, which the
API rightly refuses (422 `idempotency_key_reused`). Replays are proven by the test suite.

Bodies JSON Schema cannot describe are drawn here: the ECB's CSV (its header says which
columns are currencies). Webhooks are signed as their senders sign them: Stripe's events
with the Stripe secret, a carrier's tracking reports with the demo carrier's secret.

Every answer is tallied per operation into FUZZ_TALLY (one `METHOD path status` line per
call), so the run can say how many operations were answered with a success.
"""

import base64
import hashlib
import hmac
import json
import os
import time
import uuid

import schemathesis
from hypothesis import strategies as st

from ground import World


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


# The ECB's CSV, daily or history form: a header `Date, <codes>`, then a row per day with a
# rate (or N/A, or nothing) per column; codes Ordo does not know are skipped by the reader.
_CODES = ["USD", "JPY", "GBP", "CHF", "SEK", "KWD", "BGN", "CYP", "XXX"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]


@st.composite
def _ecb_csv(draw):
    codes = draw(st.lists(st.sampled_from(_CODES), min_size=1, max_size=6, unique=True))
    daily = draw(st.booleans())
    sep = ", " if daily else ","
    lines = ["Date" + sep + sep.join(codes) + sep]
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        y, m, d = draw(st.integers(1999, 2030)), draw(st.integers(1, 12)), draw(st.integers(1, 28))
        date = f"{d} {_MONTHS[m - 1]} {y}" if daily else f"{y:04d}-{m:02d}-{d:02d}"
        cells = []
        for _code in codes:
            whole = draw(st.integers(0, 99999))
            frac = draw(st.integers(0, 9999))
            rate = f"{whole}.{frac:04d}" if whole or frac else "1"
            cells.append(draw(st.sampled_from([rate, rate, rate, "N/A", ""])))
        lines.append(date + sep + sep.join(cells) + sep)
    return "\n".join(lines) + "\n"


schemathesis.openapi.media_type("text/csv", _ecb_csv())
schemathesis.openapi.media_type("text/plain", _ecb_csv())

# The demo carrier whose tracking reports a valid case is signed for, and its secret
# (`ordo serve --demo` creates it).
DEMO_CARRIER = ("PARCELCO", "demo-parcelco-secret")
TALLY = os.environ.get("FUZZ_TALLY")
WORLD = World(os.environ["ORDO_URL"], os.environ["ORDO_KEY"], os.environ.get("FUZZ_SEED", "1"))
WORLD.seed()
# The demo's Shopify channel, whose webhooks a valid case is signed for (`ordo serve --demo`
# creates it).
DEMO_SHOPIFY = ("shopify-demo", "demo-shopify-secret")
# Webhooks carry their senders' objects, not Ordo's.
SIGNED = ("/v1/payments/stripe/webhook", "/v1/carriers/{code}/tracking", "/v1/channels/{channel}/webhooks")


def _sign_ordo(secret, body_bytes):
    """`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, as Stripe and Ordo sign."""
    stamp = int(time.time())
    signed = f"{stamp}.".encode() + body_bytes
    return f"t={stamp},v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


@schemathesis.hook
def after_call(context, case, response):
    if 200 <= response.status_code < 300 and "json" in response.headers.get("Content-Type", ""):
        try:
            WORLD.learn(case.formatted_path, response.json())
        except ValueError:
            pass
    if TALLY:
        # A refusal's problem code says why an operation was not done.
        code = "-"
        if response.status_code >= 400:
            try:
                code = str(response.json().get("code", "-")) + ("/valid" if _positive(case) else "")
            except (ValueError, AttributeError):
                pass
        with open(TALLY, "a") as out:
            out.write(f"{case.method.upper()} {case.operation.path} {response.status_code} {code}\n")


@schemathesis.hook
def before_call(context, case, kwargs):
    for headers in (kwargs.get("headers"), case.headers):
        if headers is not None and "Idempotency-Key" in headers:
            headers["Idempotency-Key"] = uuid.uuid4().hex
    params = case.path_parameters or {}
    if case.operation.path in ("/v1/carriers/{code}", "/v1/carriers/{code}/disable") \
            and case.method.upper() in ("DELETE", "POST") and params.get("code") == DEMO_CARRIER[0]:
        # The demo carrier signs every tracking report the run sends: no case removes it or
        # turns it off (an example in the document names it).
        case.path_parameters = {**params, "code": f"GONE-{uuid.uuid4().hex[:8].upper()}"}
    if _positive(case) and case.operation.path not in SIGNED:
        WORLD.ground(case, AMOUNT_FORMS)
    body = case.body
    if case.path == "/v1/payments/stripe/webhook" and _positive(case):
        # A valid event is one Stripe signed: sign it as Stripe does, over the bytes sent.
        secret = os.environ.get("ORDO_STRIPE_WEBHOOK_SECRET", "")
        if case.headers is None:
            case.headers = {}
        case.headers["Stripe-Signature"] = _sign_ordo(secret, json.dumps(body).encode())
        return
    if case.operation.path == "/v1/carriers/{code}/tracking" and _positive(case) and isinstance(body, dict):
        # A valid report is one the carrier signed: the demo carrier's, over the bytes sent.
        code, secret = DEMO_CARRIER
        case.path_parameters = {**(case.path_parameters or {}), "code": code}
        if WORLD.parcels and WORLD.rng.random() < 0.8 and isinstance(body.get("tracking_number"), str):
            # Most reports are about a parcel the carrier has; the rest name unknown ones.
            body["tracking_number"] = WORLD.rng.choice(WORLD.parcels)
        if case.headers is None:
            case.headers = {}
        case.headers["Ordo-Signature"] = _sign_ordo(secret, json.dumps(body).encode())
        return
    if case.operation.path == "/v1/channels/{channel}/webhooks" and _positive(case):
        # A valid delivery is one Shopify signed: base64 HMAC-SHA256 of the bytes sent. Its
        # body is whatever the case holds: an order, or something parked in the import log.
        channel, secret = DEMO_SHOPIFY
        case.path_parameters = {**(case.path_parameters or {}), "channel": channel}
        if case.headers is None:
            case.headers = {}
        sent = json.dumps(body).encode()
        case.headers["X-Shopify-Hmac-Sha256"] = base64.b64encode(hmac.new(secret.encode(), sent, hashlib.sha256).digest()).decode()
        case.headers["X-Shopify-Topic"] = "orders/create"
        case.headers["X-Shopify-Webhook-Id"] = uuid.uuid4().hex
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
