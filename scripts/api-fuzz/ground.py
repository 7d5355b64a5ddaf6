"""What the fuzz run knows of the demo server's objects, so that valid cases reach real ones.

A generated valid request names random ids, SKUs and line ids, so it mostly meets 404: the
operation is called but its work is never done. A client names objects it has seen. So does
this module: it reads the demo data once (`World.seed`), learns every object the server
answers with (`World.learn`), and brings a valid case into line with them before it is sent
(`World.ground`): most path ids become ids that exist, and a body's line ids, SKUs,
locations, amounts and currencies those of the object it acts on. It never touches a case
that is meant to be invalid, and every value it puts in is one the document allows.
"""

import base64
import hashlib
import hmac
import json
import os
import random
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

# The id prefix of the objects each collection path holds (`/v1/<collection>/{id}`).
COLLECTIONS = {
    "orders": "ord",
    "fulfillments": "ful",
    "payments": "pay",
    "returns": "ret",
    "refunds": "ref",
    "holds": "hld",
    "customers": "cus",
    "keys": "key",
    "imports": "imj",
    "webhooks": "whk",
    "suppliers": "sup",
    "purchase-orders": "po",
    "transfers": "tr",
}
KINDS = set(COLLECTIONS.values()) | {"imp", "whd"}
# The demo's Shopify channel and its webhook secret (`ordo serve --demo` creates it).
DEMO_CHANNEL = ("shopify-demo", "demo-shopify-secret")
# The demo's till at the Chicago store (`ordo serve --demo` creates it).
DEMO_TILL = "chicago-till"
# The WooCommerce channel the run connects to its stand-in (FUZZ_PLATFORM_URL), to pull from
# and to list SKUs on.
WOO_CHANNEL = ("woo-fuzz", "ck_fuzz", "cs_fuzz")
# How often a valid case's path id is replaced by one that exists (the rest stay random, so
# unknown ids are still asked for).
REAL_SHARE = 0.8
# The state an object must be in for an action on it to be done, by collection and the
# path's last segment: a valid case picks such an object when one is known.
_OPEN = ("pending", "picking", "packed")
READY = {
    ("fulfillments", "start-picking"): lambda f: f.get("status") == "pending",
    ("fulfillments", "pack"): lambda f: f.get("status") in ("pending", "picking"),
    ("fulfillments", "ship"): lambda f: f.get("status") in _OPEN and not f.get("pickup"),
    ("fulfillments", "deliver"): lambda f: f.get("status") == "shipped",
    ("fulfillments", "ready-for-pickup"): lambda f: f.get("status") in _OPEN and f.get("pickup"),
    ("fulfillments", "pick-up"): lambda f: f.get("status") == "ready_for_pickup",
    ("fulfillments", "reject"): lambda f: f.get("status") in _OPEN,
    ("fulfillments", "cancel"): lambda f: f.get("status") in _OPEN,
    ("returns", "approve"): lambda r: r.get("status") == "requested",
    ("returns", "reject"): lambda r: r.get("status") == "requested",
    ("returns", "receive"): lambda r: r.get("status") == "approved",
    ("returns", "close"): lambda r: r.get("status") in ("received", "rejected"),
    ("payments", "capture"): lambda p: _positive_money(p.get("capturable")),
    ("payments", "void"): lambda p: _positive_money(p.get("capturable")),
    ("payments", "refund"): lambda p: _positive_money(p.get("refundable")),
    ("holds", "release"): lambda h: h.get("status") == "active",
    ("holds", "cancel-order"): lambda h: h.get("status") == "active",
    ("purchase-orders", "send"): lambda p: p.get("status") == "draft",
    ("purchase-orders", "cancel"): lambda p: p.get("status") in ("draft", "sent"),
    ("purchase-orders", "receipts"): lambda p: p.get("status") in ("sent", "partially_received"),
    ("purchase-orders", "close"): lambda p: p.get("status") == "partially_received",
    ("transfers", "ship"): lambda t: t.get("status") == "draft",
    ("transfers", "cancel"): lambda t: t.get("status") == "draft",
    ("transfers", "receipts"): lambda t: t.get("status") in ("shipped", "partially_received"),
    ("transfers", "close"): lambda t: t.get("status") in ("shipped", "partially_received"),
}

# The same, for reading: a GET of the path answers only an object in such a state.
READY_TO_READ = {
    ("returns", "label"): lambda r: bool(r.get("label")),
}


def _positive_money(money):
    try:
        return isinstance(money, dict) and float(money.get("amount", "0")) > 0
    except ValueError:
        return False


# Where a received unit goes, by its disposition (restocked units go back to stock).
DISPOSITION_BUCKETS = {"refurbish": "refurbish", "damaged": "quarantine",
                       "return_to_vendor": "return_to_vendor", "dispose": "disposed"}
# Pools keep the latest objects seen.
POOL_SIZE = 300


def objects(value):
    """Every JSON object in `value`, each before those inside it (which are read once the
    caller has had it, so a caller's changes to it are walked)."""
    if isinstance(value, list):
        for item in value:
            yield from objects(item)
    elif isinstance(value, dict):
        yield value
        for inner in list(value.values()):
            yield from objects(inner)


class World:
    def __init__(self, url, key, seed):
        self.url = url.rstrip("/")
        self.key = key
        self.rng = random.Random(seed)
        self.ids = {kind: [] for kind in KINDS}
        self.skus = []
        self.locations = []
        self.pickups = []
        self.gift_cards = []
        # Carriers the run made (the demo carrier signs tracking reports and stays).
        self.carriers = []
        self.payment_currency = {}
        # The latest view of each object with an id, for READY.
        self.objects = {}
        # (sku, location, bucket) that received returns put units into.
        self.buckets = []
        # Platform references the run mapped to SKUs on the demo channel.
        self.mappings = []
        # SKUs the run listed on its WooCommerce channel.
        self.listings = []
        # Tracking numbers of parcels the demo carrier shipped (its tracking reports name one).
        self.parcels = []

    # --- reading the server -------------------------------------------------------------

    def get(self, path, body=None):
        """GETs `path` (or POSTs `body` to it), learning what the answer holds; `None` when it
        is refused."""
        headers = {"Authorization": f"Bearer {self.key}"}
        data = None
        if body is not None:
            headers.update({"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex})
            data = json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                found = json.loads(answer.read())
        except (urllib.error.URLError, ValueError, OSError):
            return None
        self.learn(path, found)
        return found

    def put(self, path, body):
        """PUTs `body` to `path`; whether it was taken."""
        headers = {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"}
        request = urllib.request.Request(self.url + path, data=json.dumps(body).encode(), headers=headers, method="PUT")
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return 200 <= answer.status < 300
        except (urllib.error.URLError, ValueError, OSError):
            return False

    def prepare(self, collection, action):
        """Makes an object ready for `action` when none is known to be: requests a return of a
        delivered unit, approves a requested return for a receipt, records an uncaptured manual payment for a capture or a void,
        readies a packed pickup for its collection, places a hold for a release."""
        if collection == "returns" and action in ("approve", "reject"):
            # A delivered order's return of one unit.
            delivered = [f.get("order_id") for f in self.objects.values() if f.get("status") == "delivered"]
            for order in delivered[-30:]:
                found = self.get(f"/v1/orders/{order}")
                if not isinstance(found, dict) or not found.get("lines"):
                    continue
                line = found["lines"][0]["id"]
                request = {"lines": [{"line_id": line, "quantity": 1, "reason": "other"}]}
                if self.get(f"/v1/orders/{order}/returns", request) is not None:
                    return
        if collection == "returns" and action == "receive":
            if not self._ready("returns", "approve"):
                self.prepare("returns", "approve")
            for ret in self._ready("returns", "approve"):
                if self.get(f"/v1/returns/{ret}/approve", {}) is not None:
                    return
        if collection == "payments" and action in ("capture", "void"):
            for order in self.ids["ord"][-20:]:
                found = self.get(f"/v1/orders/{order}")
                if isinstance(found, dict) and found.get("status") not in ("cancelled", None):
                    money = {"amount": "1", "currency": found["currency"]}
                    payment = {"provider": "manual", "method": "invoice", "amount": money, "captured": False}
                    if self.get(f"/v1/orders/{order}/payments", payment) is not None:
                        return
        if collection == "returns" and action == "read-label":
            # A prepaid label bought for a requested or approved return.
            for ret in reversed(self.ids["ret"][-60:]):
                if self.objects.get(ret, {}).get("status") in ("requested", "approved"):
                    if self.get(f"/v1/returns/{ret}/label", {}) is not None:
                        return
        if collection == "holds":
            # A manual hold on an open order.
            for order in reversed(self.ids["ord"][-40:]):
                found = self.get(f"/v1/orders/{order}")
                if isinstance(found, dict) and found.get("status") not in ("cancelled", "fulfilled", None):
                    if self.get(f"/v1/orders/{order}/holds", {"type": "manual"}) is not None:
                        return
        if collection == "purchase-orders":
            # A draft to send or cancel; sent, to receive; partly received, to close.
            made = self._draft_purchase_order()
            if made and action in ("receipts", "close"):
                sent = self.get(f"/v1/purchase-orders/{made['id']}/send", {})
                if sent and action == "close":
                    self.get(f"/v1/purchase-orders/{made['id']}/receipts", {"lines": [{"line": 1, "quantity": 1}]})
            return
        if collection == "transfers":
            # A draft to ship or cancel; shipped, to receive or close.
            made = self._draft_transfer()
            if made and action in ("receipts", "close"):
                self.get(f"/v1/transfers/{made['id']}/ship", {})
            return
        if collection == "fulfillments" and action == "pick-up":
            for ful in self._ready("fulfillments", "ready-for-pickup"):
                if self.get(f"/v1/fulfillments/{ful}/ready-for-pickup", {}) is not None:
                    return

    def park(self):
        """Sends the demo channel a signed delivery that cannot become an order, so that a
        parked import exists to retry or dismiss."""
        channel, secret = DEMO_CHANNEL
        body = json.dumps({"id": self.rng.randint(1, 10**15), "line_items": []}).encode()
        signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
        headers = {"Content-Type": "application/json", "X-Shopify-Hmac-Sha256": signature,
                   "X-Shopify-Topic": "orders/create", "X-Shopify-Webhook-Id": uuid.uuid4().hex}
        request = urllib.request.Request(f"{self.url}/v1/channels/{channel}/webhooks", data=body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                self.learn(f"/v1/channels/{channel}/webhooks", json.loads(answer.read()))
        except (urllib.error.URLError, ValueError, OSError):
            pass

    def _parked(self):
        return [i for i in self.ids["imp"] if self.objects.get(i, {}).get("status") == "parked"]

    def _owing(self):
        """A recent order that still owes money, for a payment to be taken against; when none
        of them does (paid, cancelled), a new order placed for it."""
        recent = self.ids["ord"][-60:]
        for order in self.rng.sample(recent, len(recent)):
            found = self.get(f"/v1/orders/{order}/payments")
            due = (found or {}).get("summary", {}).get("balance_due", {}) if isinstance(found, dict) else {}
            try:
                if float(due.get("amount", "0")) >= 1:
                    return order
            except (TypeError, ValueError):
                continue
        if not self.skus:
            return None
        body = {"channel": "web", "currency": "USD", "customer": {"email": f"fuzz-{uuid.uuid4().hex[:12]}@example.com"},
                "lines": [{"sku": self.rng.choice(self.skus), "quantity": 1}]}
        made = self.get("/v1/orders", body)
        return made.get("id") if isinstance(made, dict) else None

    def _active_supplier(self):
        """A supplier that takes purchase orders: the fuzzer's own changes may archive any, so
        a new one when none known is active."""
        active = [i for i in self.ids["sup"] if self.objects.get(i, {}).get("status") == "active"]
        if active:
            return self.rng.choice(active)
        made = self.get("/v1/suppliers", {"code": f"FUZZ-{uuid.uuid4().hex[:10]}", "name": "Fuzz supplier",
                                          "lead_time_days": 5, "currency": "USD"})
        return made.get("id") if isinstance(made, dict) else None

    def _purchase_lines(self, count):
        """Lines of distinct SKUs, in US dollars."""
        skus = self.rng.sample(self.skus, min(max(count, 1), len(self.skus)))
        return [{"sku": sku, "quantity": self.rng.randint(1, 20), "unit_cost": {"amount": "2.50", "currency": "USD"}}
                for sku in skus]

    def _draft_purchase_order(self):
        supplier = self._active_supplier()
        if not supplier or not self.skus or not self.locations:
            return None
        body = {"supplier_id": supplier, "location": self.rng.choice(self.locations), "currency": "USD",
                "lines": self._purchase_lines(2)}
        made = self.get("/v1/purchase-orders", body)
        return made if isinstance(made, dict) else None

    def _transfer_lines(self, count):
        """Lines of distinct SKUs, a unit or two each."""
        skus = self.rng.sample(self.skus, min(max(count, 1), len(self.skus)))
        return [{"sku": sku, "quantity": self.rng.randint(1, 2)} for sku in skus]

    def _draft_transfer(self):
        """A draft between two locations whose source has the units (stock is added first)."""
        if len(self.locations) < 2 or not self.skus:
            return None
        source, destination = self.rng.sample(self.locations, 2)
        lines = self._transfer_lines(2)
        for line in lines:
            self.get("/v1/inventory/adjustments", {"location": source, "sku": line["sku"], "delta": 5,
                                                   "reason": "found"})
        made = self.get("/v1/transfers", {"from_location": source, "to_location": destination, "lines": lines})
        return made if isinstance(made, dict) else None

    def _active_holds(self):
        found = self.get("/v1/holds?status=active&limit=100")
        rows = found.get("data") if isinstance(found, dict) else None
        return [h["id"] for h in rows or [] if isinstance(h, dict) and h.get("status") == "active"]

    def _ready(self, collection, action):
        ready = READY[(collection, action)]
        return [i for i in self.ids[COLLECTIONS[collection]] if ready(self.objects.get(i, {}))]

    def seed(self):
        """Reads the demo data: orders in each state, their fulfilments, payments, returns
        and holds, the catalogue and the locations."""
        paths = ["/v1/products?limit=200", "/v1/locations?limit=200", "/v1/customers?limit=100",
                 "/v1/holds?limit=100", "/v1/fulfillments?limit=200"]
        for status in ["requested", "approved", "received", "rejected", "closed"]:
            paths.append(f"/v1/returns?status={status}&limit=100")
        for status in ["allocated", "unallocated", "cancelled"]:
            paths.append(f"/v1/orders?status={status}&limit=100")
        for status in ["pending", "picking", "packed", "shipped", "delivered", "ready_for_pickup"]:
            paths.append(f"/v1/fulfillments?status={status}&limit=50")
        for path in paths:
            self.get(path)
        for i in range(8):
            money = {"amount": "5.00", "currency": "USD"}
            zone = {"name": "any", "transit_days": 2, "base": money}
            service = {"code": "std", "name": "Standard", "cutoff_hour": 24, "max_weight_grams": 30000,
                       "zones": [zone]}
            self.get("/v1/carriers", {"code": f"FUZZ{i}", "name": f"Fuzz carrier {i}", "services": [service]})
        for i in range(4):
            self.get("/v1/suppliers", {"code": f"FUZZ-SUP{i}", "name": f"Fuzz supplier {i}", "lead_time_days": 5,
                                       "currency": "USD"})
        for order in list(self.ids["ord"]):
            self.get(f"/v1/orders/{order}/payments")
            self.get(f"/v1/orders/{order}/refunds")
        self.connect_woo()
        # A webhook subscription to the stand-in, so that deliveries exist to read and replay.
        if self.hook_url():
            self.get("/v1/webhooks", {"url": self.hook_url(), "events": ["*"]})

    def hook_url(self):
        """Where the run's webhook subscriptions deliver: the stand-in, which takes them."""
        platform = os.environ.get("FUZZ_PLATFORM_URL")
        return f"{platform}/hooks" if platform else None

    def _delivery(self):
        """A (subscription, delivery) that exists now: read from the logs of the latest
        subscriptions; when none has one, a new subscription, whose own `webhook.created`
        event is its first delivery."""
        for _ in range(3):
            for hook in reversed(self.ids["whk"][-5:]):
                found = self.get(f"/v1/webhooks/{hook}/deliveries?limit=20")
                rows = found.get("data") if isinstance(found, dict) else None
                if rows:
                    return hook, self.rng.choice(rows)["id"]
            if self.hook_url():
                self.get("/v1/webhooks", {"url": self.hook_url(), "events": ["*"]})
            time.sleep(0.5)
        return None

    def _notification(self):
        """An (order, message) that exists now: read from the message logs of the latest
        orders (each order the run places is confirmed by email)."""
        for _ in range(3):
            for order in reversed(self.ids["ord"][-10:]):
                found = self.get(f"/v1/orders/{order}/notifications")
                items = found.get("items") if isinstance(found, dict) else None
                if items:
                    return order, self.rng.choice(items)["id"]
            time.sleep(0.5)
        return None

    def connect_woo(self):
        """(Re)connects the run's WooCommerce channel to its stand-in: the fuzzer's own
        channel updates may have made it something else."""
        platform = os.environ.get("FUZZ_PLATFORM_URL")
        if platform:
            channel, key, secret = WOO_CHANNEL
            credentials = {"api_url": platform, "consumer_key": key, "consumer_secret": secret}
            self.put(f"/v1/channels/{channel}", {"kind": "woocommerce", "credentials": credentials})

    def _add(self, pool, value):
        if value in pool:
            pool.remove(value)
        pool.append(value)
        del pool[:-POOL_SIZE]

    def learn(self, path, body):
        """Remembers the objects in a successful answer to `path`."""
        if body is None:
            return
        keys_created = path.rstrip("/") == "/v1/keys"

        for value in objects(body):
            ident = value.get("id")
            order_id = value.get("order_id")
            if isinstance(order_id, str) and order_id.startswith("ord_"):
                self._add(self.ids["ord"], order_id)
            if isinstance(ident, str) and "_" in ident:
                kind = ident.split("_", 1)[0]
                # A key is only ever one the run made: revoking the run's own admin key would
                # end the run.
                if kind in KINDS and (kind != "key" or keys_created):
                    self._add(self.ids[kind], ident)
                    if "status" in value or "capturable" in value:
                        self.objects[ident] = value
                if kind == "pay" and isinstance(value.get("authorized"), dict):
                    self.payment_currency[ident] = value["authorized"].get("currency")
            if isinstance(value.get("sku"), str) and "price" in value:
                if value.get("active", True):
                    self._add(self.skus, value["sku"])
                elif value["sku"] in self.skus:
                    self.skus.remove(value["sku"])
            if path.startswith("/v1/locations") and isinstance(value.get("code"), str) and "kind" in value:
                if value.get("active", True):
                    self._add(self.locations, value["code"])
                    if value.get("pickup"):
                        self._add(self.pickups, value["code"])
            if path.startswith("/v1/returns") and isinstance(value.get("location"), str):
                for line in value.get("lines") or []:
                    for got in line.get("received") or [] if isinstance(line, dict) else []:
                        bucket = DISPOSITION_BUCKETS.get(got.get("disposition"))
                        if bucket and isinstance(line.get("sku"), str):
                            self._add(self.buckets, (line["sku"], value["location"], bucket))
            if (path.startswith("/v1/channels/") and isinstance(value.get("external"), str)
                    and value.get("channel") == DEMO_CHANNEL[0]):
                self._add(self.mappings, value["external"])
            if (path.startswith("/v1/channels/") and isinstance(value.get("sku"), str) and "pushes" in value
                    and value.get("channel") == WOO_CHANNEL[0]):
                self._add(self.listings, value["sku"])
            if value.get("carrier") == "PARCELCO" and isinstance(value.get("tracking_number"), str):
                self._add(self.parcels, value["tracking_number"])
            if path.startswith("/v1/gift-cards") and isinstance(value.get("code"), str):
                self._add(self.gift_cards, value["code"])
            if (path.startswith("/v1/carriers") and isinstance(value.get("code"), str)
                    and "has_webhook_secret" in value and value["code"] != "PARCELCO"):
                self._add(self.carriers, value["code"])

    # --- bringing a valid case into line --------------------------------------------------

    def _pick(self, pool):
        return self.rng.choice(pool) if pool else None

    def ground(self, case, amount_forms):
        """Brings a valid case into line with what exists; `amount_forms` maps a currency to
        the pattern of its amounts."""
        path = case.operation.path
        params = dict(case.path_parameters or {})
        parts = path.strip("/").split("/")
        collection = parts[1] if len(parts) > 1 else ""
        real = self.rng.random() < REAL_SHARE
        if real and "id" in params and collection in COLLECTIONS:
            pool = self.ids[COLLECTIONS[collection]]
            if collection == "holds" and (collection, parts[-1]) in READY:
                # Cancelling an order ends all its holds, so what was seen of them goes stale:
                # ask for the active ones.
                pool = self._active_holds()
                if not pool:
                    self.prepare(collection, parts[-1])
                    pool = self._active_holds() or self.ids["hld"]
            elif case.method.upper() == "GET" and (collection, parts[-1]) in READY_TO_READ:
                ready = READY_TO_READ[(collection, parts[-1])]
                known = lambda: [i for i in pool if ready(self.objects.get(i, {}))]
                if not known():
                    self.prepare(collection, "read-" + parts[-1])
                pool = known() or pool
            elif (collection, parts[-1]) in READY:
                if not self._ready(collection, parts[-1]):
                    self.prepare(collection, parts[-1])
                pool = self._ready(collection, parts[-1]) or pool
            params["id"] = self._pick(pool) or params["id"]
            if path == "/v1/orders/{id}/payments" and case.method.upper() == "POST":
                params["id"] = self._owing() or params["id"]
        if real and "sku" in params:
            params["sku"] = self._pick(self.skus) or params["sku"]
        if real and "code" in params and collection == "locations":
            params["code"] = self._pick(self.locations) or params["code"]
        if real and "code" in params and collection == "gift-cards":
            params["code"] = self._pick(self.gift_cards) or params["code"]
        if real and "code" in params and collection == "carriers" and path != "/v1/carriers/{code}/tracking":
            params["code"] = self._pick(self.carriers) or params["code"]
            if case.method.upper() == "DELETE" and params["code"] in self.carriers:
                self.carriers.remove(params["code"])
        if path.startswith("/v1/inventory/{sku}/policies/"):
            # A reorder point is never below the safety stock (the document says so in words).
            body = case.body if isinstance(case.body, dict) else {}
            low, high = body.get("safety_stock"), body.get("reorder_point")
            numbers = (int, float)
            if isinstance(low, numbers) and isinstance(high, numbers) and not isinstance(low, bool) \
                    and not isinstance(high, bool) and high < low:
                body["safety_stock"], body["reorder_point"] = high, low
        if path.startswith("/v1/inventory/{sku}/policies/") and real and self.locations:
            # A policy at a location that exists; one to remove is set first.
            params["location"] = self._pick(self.locations)
            if case.method.upper() == "DELETE":
                sku = urllib.parse.quote(params["sku"], safe="")
                location = urllib.parse.quote(params["location"], safe="")
                self.put(f"/v1/inventory/{sku}/policies/{location}", {"safety_stock": 1, "reorder_point": 4})
        if collection == "webhooks" and "id" in params:
            if case.method.upper() == "DELETE" and params["id"] in self.ids["whk"]:
                self.ids["whk"].remove(params["id"])
            found = self._delivery() if "delivery" in params and real else None
            if found:
                params["id"], params["delivery"] = found
        if "notification" in params and real:
            found = self._notification()
            if found:
                params["id"], params["notification"] = found
        if path == "/v1/replenishment/suggestions" and real and isinstance(case.query, dict) and self.locations:
            # Suggestions for a location that exists.
            case.query["location"] = self._pick(self.locations)
        if path in ("/v1/replenishment/suggestions/accept", "/v1/replenishment/policies") and isinstance(case.body, dict) \
                and self.skus:
            # Suggestions accepted for SKUs that exist (at a location that does, below).
            skus = case.body.get("skus")
            if isinstance(skus, list) and skus:
                case.body["skus"] = self.rng.sample(self.skus, min(len(skus), len(self.skus)))
        if path == "/v1/notifications/templates/{kind}/preview" and real and isinstance(case.query, dict):
            case.query["order"] = self._pick(self.ids["ord"]) or case.query.get("order")
        if path.startswith("/v1/channels/{channel}/") and path != "/v1/channels/{channel}/webhooks" and real:
            # The demo channel's import log and mappings: a parked import to retry or dismiss,
            # an entry to read, a mapping the run made to remove.
            params["channel"] = DEMO_CHANNEL[0]
            if "id" in params:
                if path.endswith(("/retry", "/dismiss")):
                    # A retried payload that stays parked can be retried again, but one the run
                    # retried into an order or dismissed cannot: park a fresh one each time.
                    self.park()
                    pool = self._parked()[-1:]
                else:
                    if not self.ids["imp"]:
                        self.park()
                    pool = self.ids["imp"]
                params["id"] = self._pick(pool) or params["id"]
            if "external" in params and case.method.upper() == "DELETE" and self.mappings:
                params["external"] = self.mappings.pop()
            if path.endswith("/sync") or "/listings" in path:
                params["channel"] = WOO_CHANNEL[0]
                self.connect_woo()
            if "/listings/" in path and case.method.upper() == "DELETE" and (self.listings or self.skus):
                # A removal needs a listing to remove: the fuzzer's own channel changes may have
                # dropped the ones the run knows of, so the one picked is listed (again) first.
                sku = self._pick(self.listings) or self._pick(self.skus)
                listing = {"product_id": str(self.rng.randint(1, 10**6))}
                self.put(f"/v1/channels/{WOO_CHANNEL[0]}/listings/{urllib.parse.quote(sku, safe='')}", listing)
                params["sku"] = sku
                if sku in self.listings:
                    self.listings.remove(sku)
            elif "/listings/" in path and case.method.upper() == "GET" and self.listings:
                params["sku"] = self._pick(self.listings)
            if path.endswith("/sales"):
                params["channel"] = DEMO_TILL
        # What the request acts on: its currency, its lines and its version.
        context = {}
        if collection == "orders" and "id" in params:
            order = self.get(f"/v1/orders/{params['id']}")
            if isinstance(order, dict):
                context = {
                    "currency": order.get("currency"),
                    "lines": [line["id"] for line in order.get("lines", [])],
                    "version": order.get("version"),
                }
                if "line_id" in params and context["lines"]:
                    params["line_id"] = self.rng.choice(context["lines"])
        elif collection == "returns" and "id" in params:
            ret = self.get(f"/v1/returns/{params['id']}")
            if isinstance(ret, dict):
                order = self.get(f"/v1/orders/{ret.get('order_id')}") or {}
                context = {
                    "currency": order.get("currency"),
                    "lines": [line.get("line_id") for line in ret.get("lines", []) if line.get("line_id")],
                    "returned": [(line["line_id"], line["quantity"]) for line in ret.get("lines", [])
                                 if isinstance(line.get("quantity"), int) and line.get("line_id")],
                }
        elif collection == "payments" and "id" in params:
            context = {"currency": self.payment_currency.get(params["id"])}
        elif collection == "purchase-orders":
            found = self.get(f"/v1/purchase-orders/{params['id']}") if "id" in params else None
            context = {"currency": (found or {}).get("currency") or "USD",
                       "po_lines": [line["line"] for line in (found or {}).get("lines", [])]}
        elif collection == "transfers":
            found = self.get(f"/v1/transfers/{params['id']}") if "id" in params else None
            context = {"tr_lines": [line["line"] for line in (found or {}).get("lines", [])]}
        case.path_parameters = params
        if isinstance(case.body, (dict, list)):
            self._ground_body(case.body, context, amount_forms, path)
        if path == "/v1/channels/{channel}/sales" and isinstance(case.body, dict) and self.skus:
            # A sale as a till rings it up: one unit, paid exactly, under a receipt of its own.
            body = case.body
            for field in ("discount", "tax", "tax_included"):
                body.pop(field, None)
            one = {"amount": "1", "currency": "USD"}
            body.update({"receipt": uuid.uuid4().hex, "currency": "USD",
                         "lines": [{"sku": self.rng.choice(self.skus), "quantity": 1, "unit_price": one}],
                         "payments": [{"method": self.rng.choice(["cash", "card"]), "amount": dict(one)}]})
            if "sold_at" in body:
                body["sold_at"] = "2026-12-01T10:00:00Z"
        if collection == "webhooks" and isinstance(case.body, dict):
            # A receiver that exists, and a time range that reads as one.
            if isinstance(case.body.get("url"), str) and self.hook_url():
                case.body["url"] = self.hook_url()
            if path.endswith("/replay"):
                for field, when in (("from", "2026-01-01T00:00:00Z"), ("to", "2030-01-01T00:00:00Z")):
                    if isinstance(case.body.get(field), str):
                        case.body[field] = when
        if path == "/v1/orders/{id}/payments" and case.method.upper() == "POST" and real \
                and isinstance(case.body, dict) and context.get("currency") and self.rng.random() < 0.5:
            # Half the valid payments as an operator records a bank transfer: one unit of the
            # order's currency, which an order that owes money can take.
            for field in ("gift_card_code", "payment_method", "overpayment", "captured"):
                case.body.pop(field, None)
            case.body.update({"provider": "manual", "method": "bank_transfer",
                              "amount": {"amount": "1", "currency": context["currency"]}})
        if collection == "purchase-orders" and isinstance(case.body, dict):
            self._ground_purchase(case, context)
        if collection == "transfers" and isinstance(case.body, dict):
            self._ground_transfer(case, context)
        if path == "/v1/channels/{channel}/listings/{sku}" and isinstance(case.body, dict):
            # A WooCommerce listing names its product.
            body = case.body
            if not isinstance(body.get("product_id"), str):
                body["product_id"] = str(self.rng.randint(1, 10**6))

    def _ground_purchase(self, case, context):
        """A purchase order as a buyer drafts one (an active supplier, distinct SKUs, costs in
        its currency) and a receipt as a dock records one (lines of the order, once each)."""
        body, path = case.body, case.operation.path
        if path == "/v1/purchase-orders" and case.method.upper() == "POST":
            supplier = self._active_supplier()
            if supplier and "supplier_id" in body:
                body["supplier_id"] = supplier
            body["currency"] = "USD"
            if isinstance(body.get("lines"), list) and self.skus:
                body["lines"] = self._purchase_lines(len(body["lines"]))
        elif path == "/v1/purchase-orders/{id}" and isinstance(body.get("lines"), list) and self.skus:
            if self.objects.get(case.path_parameters.get("id"), {}).get("status") != "draft":
                draft = self._draft_purchase_order()
                if draft:
                    case.path_parameters["id"] = draft["id"]
            lines = self._purchase_lines(len(body["lines"]))
            for line in lines:
                line["unit_cost"]["currency"] = context.get("currency") or "USD"
            body["lines"] = lines
        elif path.endswith("/receipts") and isinstance(body.get("lines"), list) and context.get("po_lines"):
            count = min(max(len(body["lines"]), 1), len(context["po_lines"]))
            body["lines"] = [{"line": line, "quantity": self.rng.randint(1, 3)}
                             for line in self.rng.sample(context["po_lines"], count)]

    def _ground_transfer(self, case, context):
        """A transfer as a warehouse drafts one (two locations that exist, distinct SKUs) and a
        receipt as its destination records one (lines of the transfer, once each)."""
        body, path = case.body, case.operation.path
        if path == "/v1/transfers" and case.method.upper() == "POST" and len(self.locations) >= 2:
            body["from_location"], body["to_location"] = self.rng.sample(self.locations, 2)
            if isinstance(body.get("lines"), list) and self.skus:
                body["lines"] = self._transfer_lines(len(body["lines"]))
        elif path == "/v1/transfers/{id}" and isinstance(body.get("lines"), list) and self.skus:
            if self.objects.get(case.path_parameters.get("id"), {}).get("status") != "draft":
                draft = self._draft_transfer()
                if draft:
                    case.path_parameters["id"] = draft["id"]
            body["lines"] = self._transfer_lines(len(body["lines"]))
        elif path.endswith("/receipts") and isinstance(body.get("lines"), list) and context.get("tr_lines"):
            count = min(max(len(body["lines"]), 1), len(context["tr_lines"]))
            body["lines"] = [{"line": line, "quantity": 1} for line in self.rng.sample(context["tr_lines"], count)]

    def _ground_body(self, body, context, amount_forms, path):
        currency = context.get("currency")

        for value in objects(body):
            if isinstance(value.get("currency"), str) and "amount" in value and currency:
                value["currency"] = currency
                form = amount_forms.get(currency)
                if form is not None and not form.match(str(value.get("amount", ""))):
                    value["amount"] = "1"
                if self.rng.random() < 0.5:
                    value["amount"] = "1"
            if isinstance(value.get("line_id"), str) and context.get("lines"):
                value["line_id"] = self.rng.choice(context["lines"])
                if isinstance(value.get("quantity"), int):
                    value["quantity"] = 1
            if isinstance(value.get("sku"), str) and self.skus:
                value["sku"] = self.rng.choice(self.skus)
                if isinstance(value.get("quantity"), int) and not path.startswith("/v1/inventory"):
                    value["quantity"] = self.rng.randint(1, 2)
            for field, pool in (("location", self.locations), ("customer_id", self.ids["cus"]),
                                ("order_id", self.ids["ord"]), ("gift_card_code", self.gift_cards)):
                if isinstance(value.get(field), str) and pool:
                    value[field] = self.rng.choice(pool)
            if isinstance(value.get("pickup_location"), str):
                if self.pickups:
                    value["pickup_location"] = self.rng.choice(self.pickups)
                else:
                    del value["pickup_location"]
            if isinstance(value.get("expected_version"), int) and context.get("version") is not None:
                value["expected_version"] = context["version"]
        if path.endswith("/receive") and isinstance(body, dict) and context.get("returned"):
            # Every returned unit, each line's count what was returned of it.
            units = [u for u in body.get("units") or [] if isinstance(u, dict)]
            template = units[0] if units else {"disposition": "restock"}
            body["units"] = [{**template, "line_id": line, "quantity": quantity}
                             for line, quantity in context["returned"]]
        if path == "/v1/inventory/buckets/moves" and isinstance(body, dict) and self.buckets:
            # Units out of a bucket a receipt filled.
            sku, location, bucket = self.rng.choice(self.buckets)
            body.update({"sku": sku, "location": location, "from": bucket, "quantity": 1})
            if body.get("to") == bucket:
                body["to"] = "stock"
        if path == "/v1/orders" and isinstance(body, dict):
            # A new order as a shop would send it: a few lines, a service that exists or none,
            # an external id of its own.
            if isinstance(body.get("lines"), list):
                del body["lines"][3:]
            body.pop("shipping_service", None)
            if isinstance(body.get("external_id"), str):
                body["external_id"] = uuid.uuid4().hex
