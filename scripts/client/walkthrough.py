#!/usr/bin/env python3
"""The README's walkthrough, step by step, through the Python client generated from
docs/openapi.json (package `ordo_client`).

Usage: walkthrough.py [--url URL] [--key KEY]
       (or ORDO_URL and ORDO_KEY; the key needs the admin role)

It expects a server started with `--demo` on an empty database: the demo's locations
NJ-WH and NV-WH, its `web` channel and carriers, and no product LANTERN yet. Every step
checks the status code, the facts the README states, and that the answer reads into the
generated models exactly: every field of the type the document gives it, and no field the
document does not name. It prints one line per step and exits non-zero on the first failure.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import traceback
import types
import typing
from decimal import Decimal

import attrs

from ordo_client import AuthenticatedClient
from ordo_client import models as M
from ordo_client.api.fulfillment import (
    deliver_fulfillment,
    fulfillment_label,
    order_fulfillments,
    pack_fulfillment,
    packing_slip,
    pick_list,
    ship_fulfillment,
    start_picking,
)
from ordo_client.api.inventory import adjust_inventory, list_movements, sku_buckets, sku_stock
from ordo_client.api.orders import cancel_order, get_order, order_events, place_order
from ordo_client.api.payments import add_payment, order_payments, order_refunds, refund_order
from ordo_client.api.products import create_product
from ordo_client.api.returns import (
    approve_return,
    buy_return_label,
    close_return,
    order_returns,
    receive_return,
    request_return,
    return_label,
)
from ordo_client.api.routing import simulate_routing
from ordo_client.api.shipping import buy_label
from ordo_client.types import Response, Unset

SKU = "LANTERN"
PRICE = "34.90"


class StepFailed(Exception):
    pass


# ---------------------------------------------------------------------------------------
# Reading answers strictly


def _hints(cls: type) -> dict[str, typing.Any]:
    namespace = dict(vars(M))
    namespace["Unset"] = Unset
    return typing.get_type_hints(cls, localns=namespace)


def _type_name(hint: typing.Any) -> str:
    if hint is type(None):
        return "null"
    if isinstance(hint, type):
        return hint.__name__
    return re.sub(r"\b[\w.]+\.(\w+)", r"\1", str(hint)).replace("NoneType", "null").replace("None", "null")


def conformance(value: typing.Any, hint: typing.Any, path: str) -> list[str]:
    """What in `value` does not match the type the generated client gives it."""
    if hint is typing.Any:
        return []
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        arms = typing.get_args(hint)
        for arm in arms:
            if _kind_matches(value, arm):
                return conformance(value, arm, path)
        return [f"{path} is {_describe(value)}, the document says {_type_name(hint)}"]
    if not _kind_matches(value, hint):
        return [f"{path} is {_describe(value)}, the document says {_type_name(hint)}"]
    if origin is list:
        (item,) = typing.get_args(hint) or (typing.Any,)
        found: list[str] = []
        for i, element in enumerate(value):
            found += conformance(element, item, f"{path}[{i}]")
        return found
    if attrs.has(type(value)):
        found = []
        hints = _hints(type(value))
        names = [f.name for f in attrs.fields(type(value)) if f.name != "additional_properties"]
        for name in names:
            found += conformance(getattr(value, name), hints[name], f"{path}.{name}")
        extra = getattr(value, "additional_properties", None)
        # A free-form object (an event's payload) has no named fields; anything goes there.
        if extra and names:
            found.append(f"{path} has fields the document does not name: {sorted(extra)}")
        return found
    return []


def _kind_matches(value: typing.Any, hint: typing.Any) -> bool:
    origin = typing.get_origin(hint)
    if hint is typing.Any:
        return True
    if hint is type(None):
        return value is None
    if origin is list:
        return isinstance(value, list)
    if origin is dict or hint is dict:
        return isinstance(value, dict)
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(hint, type):
        return isinstance(value, hint)
    return False


def _describe(value: typing.Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, Unset):
        return "absent"
    return f"{type(value).__name__} {value!r}"[:120]


# ---------------------------------------------------------------------------------------
# Steps


class Walk:
    def __init__(self) -> None:
        self.steps = 0
        self.title = ""

    def expect(
        self,
        title: str,
        status: int,
        model: typing.Any,
        call: typing.Callable[..., Response],
        *args,
        **kwargs,
    ) -> typing.Any:
        """Makes one call and checks its answer: the status, the type the client read it as,
        and that it reads strictly (`bytes` for a document the client hands over as it is)."""
        self.title = title
        response = call(*args, **kwargs)
        body = response.content[:600].decode("utf-8", "replace")
        if int(response.status_code) != status:
            raise StepFailed(f"answered {int(response.status_code)}, expected {status}: {body}")
        parsed = response.parsed
        if model is bytes:
            # A document comes as it is: the client hands its bytes over, or reads nothing.
            if parsed is not None and not isinstance(parsed, (bytes, str)):
                raise StepFailed(f"expected a document, the client read {type(parsed).__name__}")
            return response.content
        if typing.get_origin(model) is list:
            (item,) = typing.get_args(model)
            ok = isinstance(parsed, list) and all(isinstance(x, item) for x in parsed)
        else:
            ok = isinstance(parsed, model)
        if not ok:
            raise StepFailed(f"the client read {type(parsed).__name__}, expected {_type_name(model)}: {body}")
        mismatches = conformance(parsed, model, _type_name(model))
        if mismatches:
            raise StepFailed("the answer does not match the document:\n    " + "\n    ".join(mismatches))
        return parsed

    def done(self, facts: str) -> None:
        self.steps += 1
        print(f"ok {self.steps:2d}  {self.title}: {facts}", flush=True)


def check(condition: bool, message: str) -> None:
    if not condition:
        raise StepFailed(message)


def money(amount: str) -> M.MoneyInput:
    return M.MoneyInput(amount=amount, currency=M.CurrencyCode.USD)


def amount(view: M.MoneyView) -> Decimal:
    check(view.currency == "USD", f"currency {view.currency}, expected USD")
    return Decimal(view.amount)


def level(stock: M.SkuStockView, location: str) -> M.LevelView:
    for row in stock.locations:
        if row.location == location:
            return row
    raise StepFailed(f"{stock.sku} has no stock row at {location}")


def levels(stock: M.SkuStockView) -> str:
    return ", ".join(
        f"{row.location} {row.on_hand}/{row.reserved}/{row.available}" for row in stock.locations
    )


def new_order(external_id: str, quantity: int) -> M.NewOrder:
    return M.NewOrder(
        channel="web",
        external_id=external_id,
        customer=M.OrderCustomerInput(email="sam@example.com", name="Sam Doe"),
        currency=M.CurrencyCode.USD,
        lines=[M.OrderLineInput(sku=SKU, quantity=quantity, unit_price=money(PRICE))],
        shipping_address=M.AddressInput(
            name="Sam Doe",
            line1="1 Main St",
            city="Boston",
            region="MA",
            postal_code="02108",
            country="US",
        ),
        shipping=money("5.00"),
    )


def walkthrough(client: AuthenticatedClient, walk: Walk) -> None:
    # --- Five minutes with curl ---------------------------------------------------------
    product = walk.expect(
        "create product LANTERN",
        201,
        M.ProductView,
        create_product.sync_detailed,
        client=client,
        body=M.NewProduct(sku=SKU, name="Camp lantern", price=money(PRICE), weight_grams=420),
    )
    check(product.sku == SKU and product.name == "Camp lantern", f"product {product.sku} {product.name}")
    check(amount(product.price) == Decimal(PRICE), f"price {product.price.amount}")
    walk.done(f"{product.sku} at {product.price.amount} {product.price.currency}")

    for location, delta in (("NJ-WH", 3), ("NV-WH", 10)):
        adjustment = walk.expect(
            f"receive {delta} at {location}",
            201,
            M.AdjustmentView,
            adjust_inventory.sync_detailed,
            client=client,
            body=M.AdjustmentInput(location=location, sku=SKU, delta=delta, reason=M.AdjustmentReason.RECEIVED),
        )
        check(adjustment.level.on_hand == delta, f"on hand {adjustment.level.on_hand}, expected {delta}")
        check(adjustment.movement.reason == "received", f"ledger reason {adjustment.movement.reason}")
        walk.done(f"on hand {adjustment.level.on_hand}, ledger says {adjustment.movement.reason}")

    stock = walk.expect("read inventory", 200, M.SkuStockView, sku_stock.sync_detailed, SKU, client=client)
    check((level(stock, "NJ-WH").on_hand, level(stock, "NV-WH").on_hand) == (3, 10), levels(stock))
    check(stock.totals.on_hand == 13 and stock.totals.available == 13, f"totals {stock.totals.on_hand}")
    walk.done(f"on hand/reserved/available {levels(stock)}")

    first = new_order("W-1001", 5)
    order = walk.expect(
        "place order W-1001 for 5",
        201,
        M.OrderView,
        place_order.sync_detailed,
        client=client,
        body=first,
        idempotency_key="demo-order-1",
    )
    allocations = [(a.location, a.quantity) for a in order.lines[0].allocations]
    check(allocations == [("NV-WH", 5)], f"allocations {allocations}, expected [NV-WH 5]")
    check(amount(order.totals.subtotal) == Decimal("174.50"), f"subtotal {order.totals.subtotal.amount}")
    check(amount(order.totals.shipping) == Decimal("5.00"), f"shipping {order.totals.shipping.amount}")
    check(amount(order.totals.total) == Decimal("179.50"), f"total {order.totals.total.amount}")
    walk.done(f"{order.id} allocated to {allocations[0][0]}, total {order.totals.total.amount}")

    replay = walk.expect(
        "same Idempotency-Key again",
        201,
        M.OrderView,
        place_order.sync_detailed,
        client=client,
        body=first,
        idempotency_key="demo-order-1",
    )
    check(replay.id == order.id and replay.number == order.number, f"replay answered {replay.id}")
    walk.done(f"replayed {replay.id}, nothing new")

    short = walk.expect(
        "ask for more than there is",
        409,
        M.Problem,
        place_order.sync_detailed,
        client=client,
        body=new_order("W-1099", 50),
        idempotency_key="demo-order-short",
    )
    check(short.code == "insufficient_stock", f"code {short.code}")
    shortages = short.shortages if isinstance(short.shortages, list) else []
    check([s.sku for s in shortages] == [SKU], f"shortages {[s.sku for s in shortages]}")
    check(shortages[0].requested == 50, f"requested {shortages[0].requested}")
    walk.done(
        f"409 {short.code}: {SKU} requested {shortages[0].requested}, available {shortages[0].available}"
    )

    stock = walk.expect(
        "stock held for the order", 200, M.SkuStockView, sku_stock.sync_detailed, SKU, client=client
    )
    nv = level(stock, "NV-WH")
    check((nv.reserved, nv.available) == (5, 5), f"NV-WH reserved {nv.reserved}, available {nv.available}")
    check(level(stock, "NJ-WH").reserved == 0, "NJ-WH has a reservation")
    check(
        stock.totals.reserved == 5,
        f"{stock.totals.reserved} reserved in all; the replay or the short order reserved",
    )
    walk.done(f"NV-WH reserved {nv.reserved}, available {nv.available}")

    cancelled = walk.expect(
        "cancel the order",
        200,
        M.OrderView,
        cancel_order.sync_detailed,
        order.id,
        client=client,
        body=M.CancelInput(reason="customer_request"),
    )
    check(cancelled.status == "cancelled", f"status {cancelled.status}")
    check(cancelled.cancel_reason == "customer_request", f"cancel reason {cancelled.cancel_reason}")
    walk.done(f"{cancelled.id} {cancelled.status} ({cancelled.cancel_reason})")

    stock = walk.expect("stock comes back", 200, M.SkuStockView, sku_stock.sync_detailed, SKU, client=client)
    nv = level(stock, "NV-WH")
    check((nv.reserved, nv.available) == (0, 10), f"NV-WH reserved {nv.reserved}, available {nv.available}")
    walk.done(f"NV-WH reserved {nv.reserved}, available {nv.available}")

    movements = walk.expect(
        "the ledger", 200, M.ListViewMovementView, list_movements.sync_detailed, client=client, sku=SKU
    )
    reasons = sorted({m.reason for m in movements.data})
    check(reasons == ["received", "released", "reserved"], f"ledger reasons {reasons}")
    walk.done(f"{len(movements.data)} entries: {', '.join(reasons)}")

    events = walk.expect(
        "the order's timeline", 200, M.ListViewEventView, order_events.sync_detailed, order.id, client=client
    )
    kinds = [e.type_ for e in events.data]
    check(all(e.subject == order.id for e in events.data), "an event about another object")
    check(any("cancel" in k for k in kinds), f"no cancellation among {kinds}")
    walk.done(", ".join(kinds))

    # --- Routing ------------------------------------------------------------------------
    simulation = walk.expect(
        "simulate a rule set",
        200,
        M.Simulation,
        simulate_routing.sync_detailed,
        client=client,
        body=M.SimulateInput(rules=M.RuleSetInput(name="try", criteria=["priority", "distance"]), last=50),
    )
    check(0 < simulation.orders <= 50, f"{simulation.orders} orders simulated")
    check(len(simulation.results) == simulation.orders, f"{len(simulation.results)} results")
    walk.done(f"{simulation.orders} orders, {simulation.changed} would change")

    # --- Fulfilment and shipping --------------------------------------------------------
    # The first order was cancelled; a second one, paid by bank transfer, goes all the way:
    # picked, packed, labelled, shipped and delivered. The steps are POSTs without a body,
    # as in the README.
    order = walk.expect(
        "place order W-1002 for 5",
        201,
        M.OrderView,
        place_order.sync_detailed,
        client=client,
        body=new_order("W-1002", 5),
        idempotency_key="demo-order-2",
    )
    allocations = [(a.location, a.quantity) for a in order.lines[0].allocations]
    check(allocations == [("NV-WH", 5)], f"allocations {allocations}, expected [NV-WH 5]")
    line_id = order.lines[0].id
    walk.done(f"{order.id} allocated to NV-WH, total {order.totals.total.amount}")

    payments = walk.expect(
        "record a manual payment",
        201,
        M.OrderPaymentsView,
        add_payment.sync_detailed,
        order.id,
        client=client,
        body=M.NewPayment(provider=M.Provider.MANUAL, method=M.PaymentMethod.BANK_TRANSFER, amount=M.PositiveMoneyInput(amount="179.50", currency=M.CurrencyCode.USD)),
    )
    check(payments.summary.status == "paid", f"payment status {payments.summary.status}")
    check(
        amount(payments.summary.captured) == Decimal("179.50"), f"captured {payments.summary.captured.amount}"
    )
    walk.done(f"{payments.summary.status}, captured {payments.summary.captured.amount}")

    fulfillments = walk.expect(
        "the order's fulfilments",
        200,
        M.ListViewFulfillmentView,
        order_fulfillments.sync_detailed,
        order.id,
        client=client,
    )
    check(len(fulfillments.data) == 1, f"{len(fulfillments.data)} fulfilments, expected 1")
    fulfillment = fulfillments.data[0]
    check(fulfillment.location == "NV-WH", f"fulfilment at {fulfillment.location}")
    check(fulfillment.status == "pending", f"status {fulfillment.status}")
    check(sum(line.quantity for line in fulfillment.lines) == 5, "the fulfilment does not carry 5 units")
    fid = fulfillment.id
    walk.done(f"{fid} at {fulfillment.location}, {fulfillment.status}")

    picks = walk.expect(
        "NV-WH pick list", 200, M.ListViewPickItem, pick_list.sync_detailed, "NV-WH", client=client
    )
    lantern = [item for item in picks.data if item.sku == SKU]
    check(
        len(lantern) == 1 and lantern[0].quantity == 5,
        f"pick list has {[(i.sku, i.quantity) for i in lantern]}",
    )
    check(any(o.order_id == order.id for o in lantern[0].orders), "the pick list does not name the order")
    walk.done(f"{SKU} x{lantern[0].quantity} for {order.id}")

    for title, call, status in (
        ("start picking", start_picking, "picking"),
        ("pack", pack_fulfillment, "packed"),
    ):
        step = walk.expect(title, 200, M.FulfillmentView, call.sync_detailed, fid, client=client)
        check(step.status == status, f"status {step.status}, expected {status}")
        walk.done(step.status)

    slip = walk.expect("packing slip", 200, bytes, packing_slip.sync_detailed, fid, client=client)
    check(slip.startswith(b"%PDF"), "the packing slip is not a PDF")
    walk.done(f"PDF, {len(slip)} bytes")

    labelled = walk.expect(
        "buy the label", 200, M.FulfillmentView, buy_label.sync_detailed, fid, client=client
    )
    check(isinstance(labelled.tracking_number, str) and labelled.tracking_number != "", "no tracking number")
    check(isinstance(labelled.carrier, str), "no carrier")
    walk.done(f"{labelled.carrier}, tracking {labelled.tracking_number}")

    label = walk.expect("print the label", 200, bytes, fulfillment_label.sync_detailed, fid, client=client)
    check(label.startswith(b"%PDF"), "the label is not a PDF")
    walk.done(f"PDF, {len(label)} bytes")

    zpl = walk.expect(
        "print the label as ZPL",
        200,
        bytes,
        fulfillment_label.sync_detailed,
        fid,
        client=client,
        format_=M.LabelFormat.ZPL,
    )
    check(zpl.lstrip().startswith(b"^XA"), "the label is not ZPL")
    check(labelled.tracking_number.encode() in zpl, "the ZPL label does not carry the tracking number")
    walk.done(f"ZPL, {len(zpl)} bytes")

    shipped = walk.expect("ship", 200, M.FulfillmentView, ship_fulfillment.sync_detailed, fid, client=client)
    check(shipped.status == "shipped", f"status {shipped.status}")
    check(isinstance(shipped.shipped_at, str), "no shipped_at")
    walk.done(f"{shipped.status} at {shipped.shipped_at}")

    stock = walk.expect(
        "stock after shipping", 200, M.SkuStockView, sku_stock.sync_detailed, SKU, client=client
    )
    nv = level(stock, "NV-WH")
    check(
        (nv.on_hand, nv.reserved, nv.available) == (5, 0, 5),
        f"NV-WH {nv.on_hand}/{nv.reserved}/{nv.available}",
    )
    movements = walk.expect(
        "stock after shipping",
        200,
        M.ListViewMovementView,
        list_movements.sync_detailed,
        client=client,
        sku=SKU,
        order_id=order.id,
    )
    check(
        any(m.reason == "shipped" and m.on_hand_delta == -5 for m in movements.data), "no shipped entry of -5"
    )
    walk.done(f"NV-WH on hand {nv.on_hand}, reserved {nv.reserved}; ledger says shipped")

    delivered = walk.expect(
        "deliver", 200, M.FulfillmentView, deliver_fulfillment.sync_detailed, fid, client=client
    )
    check(delivered.status == "delivered", f"status {delivered.status}")
    current = walk.expect("deliver", 200, M.OrderView, get_order.sync_detailed, order.id, client=client)
    check(current.fulfillment_status == "delivered", f"order fulfillment_status {current.fulfillment_status}")
    walk.done(f"fulfilment {delivered.status}, order {current.fulfillment_status}")

    # --- Returns ------------------------------------------------------------------------
    # Two of the five come back: one is restocked, one goes to quarantine. The `web` channel
    # refunds a return when it is received; the shipping is then refunded by hand.
    rma = walk.expect(
        "request a return of 2",
        201,
        M.ReturnView,
        request_return.sync_detailed,
        order.id,
        client=client,
        body=M.ReturnInput(lines=[M.ReturnLineInput(line_id=line_id, quantity=2, reason=M.ReturnReason.NO_LONGER_NEEDED)]),
    )
    check(rma.status == "requested", f"status {rma.status}")
    check([(line.line_id, line.quantity) for line in rma.lines] == [(line_id, 2)], "the return's lines")
    walk.done(f"{rma.id} {rma.status}")

    approved = walk.expect("approve", 200, M.ReturnView, approve_return.sync_detailed, rma.id, client=client)
    check(approved.status == "approved", f"status {approved.status}")
    walk.done(approved.status)

    labelled_rma = walk.expect(
        "buy a prepaid return label", 201, M.ReturnView, buy_return_label.sync_detailed, rma.id, client=client
    )
    check(isinstance(labelled_rma.label, M.ReturnLabelView), "no label on the return")
    walk.done(f"{labelled_rma.label.carrier}, tracking {labelled_rma.label.tracking_number}")

    rlabel = walk.expect(
        "print the return label", 200, bytes, return_label.sync_detailed, rma.id, client=client
    )
    check(rlabel.startswith(b"%PDF"), "the return label is not a PDF")
    walk.done(f"PDF, {len(rlabel)} bytes")

    received = walk.expect(
        "receive it at NV-WH",
        200,
        M.ReturnView,
        receive_return.sync_detailed,
        rma.id,
        client=client,
        body=M.ReceiveInput(
            location="NV-WH",
            units=[
                M.UnitInput(line_id=line_id, quantity=1, condition="new", disposition=M.Disposition.RESTOCK),
                M.UnitInput(line_id=line_id, quantity=1, condition="broken", disposition=M.Disposition.DAMAGED),
            ],
        ),
    )
    check(received.status == "received", f"status {received.status}")
    check(isinstance(received.refund_id, str), f"no refund made on receipt ({received.refund_error})")
    walk.done(f"{received.status} at {received.location}, refund {received.refund_id}")

    stock = walk.expect(
        "restocked and quarantined", 200, M.SkuStockView, sku_stock.sync_detailed, SKU, client=client
    )
    nv = level(stock, "NV-WH")
    check((nv.on_hand, nv.available) == (6, 6), f"NV-WH on hand {nv.on_hand}, available {nv.available}")
    buckets = walk.expect(
        "restocked and quarantined", 200, M.BucketsView, sku_buckets.sync_detailed, SKU, client=client
    )
    held = [(b.location, b.bucket, b.quantity) for b in buckets.levels if b.quantity]
    check(held == [("NV-WH", "quarantine", 1)], f"buckets {held}")
    walk.done(f"NV-WH on hand {nv.on_hand}; 1 in quarantine")

    refunds = walk.expect(
        "the return's refund", 200, list[M.RefundView], order_refunds.sync_detailed, order.id, client=client
    )
    check(len(refunds) == 1, f"{len(refunds)} refunds")
    refund = refunds[0]
    check(refund.id == received.refund_id and refund.return_id == rma.id, "the refund is not the return's")
    check(amount(refund.amount) == Decimal("69.80"), f"refund {refund.amount.amount}, expected 69.80")
    check(refund.status == "succeeded", f"refund status {refund.status}")
    check(sum(amount(a.amount) for a in refund.allocations) == Decimal("69.80"), "allocations do not add up")
    walk.done(f"{refund.amount.amount} {refund.amount.currency} to the {refund.to} payment, {refund.status}")

    shipping_refund = walk.expect(
        "refund the shipping",
        201,
        M.RefundView,
        refund_order.sync_detailed,
        order.id,
        client=client,
        body=M.RefundInput(shipping=M.PositiveMoneyInput(amount="5.00", currency=M.CurrencyCode.USD), reason="late delivery"),
    )
    check(amount(shipping_refund.amount) == Decimal("5.00"), f"refund {shipping_refund.amount.amount}")
    check(amount(shipping_refund.shipping) == Decimal("5.00"), f"shipping {shipping_refund.shipping.amount}")
    walk.done(f"{shipping_refund.amount.amount} {shipping_refund.amount.currency}, {shipping_refund.status}")

    payments = walk.expect(
        "payments after refunds",
        200,
        M.OrderPaymentsView,
        order_payments.sync_detailed,
        order.id,
        client=client,
    )
    check(payments.summary.status == "partially_refunded", f"payment status {payments.summary.status}")
    check(
        amount(payments.summary.refunded) == Decimal("74.80"), f"refunded {payments.summary.refunded.amount}"
    )
    check(
        amount(payments.summary.net_paid) == Decimal("104.70"), f"net paid {payments.summary.net_paid.amount}"
    )
    walk.done(
        f"{payments.summary.status}, refunded {payments.summary.refunded.amount}, net {payments.summary.net_paid.amount}"
    )

    closed = walk.expect(
        "close the return", 200, M.ReturnView, close_return.sync_detailed, rma.id, client=client
    )
    check(closed.status == "closed", f"status {closed.status}")
    status = walk.expect(
        "close the return", 200, M.OrderReturnsView, order_returns.sync_detailed, order.id, client=client
    )
    check(status.return_status == "partially_returned", f"return status {status.return_status}")
    walk.done(f"{closed.status}; order {status.return_status}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("ORDO_URL", "http://127.0.0.1:8080"))
    parser.add_argument("--key", default=os.environ.get("ORDO_KEY"))
    args = parser.parse_args()
    if not args.key:
        parser.error("give the admin key with --key or ORDO_KEY")
    client = AuthenticatedClient(base_url=args.url, token=args.key, raise_on_unexpected_status=True)
    walk = Walk()
    try:
        with client:
            walkthrough(client, walk)
    except StepFailed as failure:
        print(f"FAILED at step {walk.steps + 1} ({walk.title}): {failure}", file=sys.stderr)
        return 1
    except Exception as error:  # noqa: BLE001 - an answer the client could not read, say
        traceback.print_exc()
        hint = ""
        if isinstance(error, TypeError) and "Unset" in str(error):
            hint = " (the client cannot make this call without a request body)"
        print(
            f"FAILED at step {walk.steps + 1} ({walk.title}): {type(error).__name__}: {error}{hint}",
            file=sys.stderr,
        )
        return 1
    print(f"{walk.steps} steps passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
