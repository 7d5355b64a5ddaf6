//! Card payments for one order on two nodes at once never both take the same balance: the
//! amount is claimed under the order's lock before the gateway is asked.

use std::sync::Arc;
use std::time::Duration;

use ordo_app::money::payment_requests::NewPayment;
use ordo_app::ports::payment::{Authorization, GatewayPayment, PaymentGateway, WebhookEvent};
use ordo_app::ports::{GatewayFuture, WebhookHeaders};
use ordo_app::{Actor, App, AppError, AppResult, SystemClock};
use ordo_store::Store;
use ordo_store::testing::{TestEngine, temp_dir};

use crate::support::*;

/// A gateway that takes its time to authorize (as a real one does), charging at once.
struct SlowGateway;

impl PaymentGateway for SlowGateway {
    fn provider(&self) -> &'static str {
        "stripe"
    }

    fn authorize<'a>(&'a self, what: Authorization<'a>, key: &'a str) -> GatewayFuture<'a, GatewayPayment> {
        Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            Ok(GatewayPayment { reference: format!("pi_{key}"), received: what.amount })
        })
    }

    fn capture<'a>(&'a self, r: &'a str, _: i64, _: bool, _: &'a str) -> GatewayFuture<'a, GatewayPayment> {
        Box::pin(async move { Ok(GatewayPayment { reference: r.to_owned(), received: 0 }) })
    }

    fn void<'a>(&'a self, r: &'a str, _: &'a str) -> GatewayFuture<'a, GatewayPayment> {
        Box::pin(async move { Ok(GatewayPayment { reference: r.to_owned(), received: 0 }) })
    }

    fn refund<'a>(&'a self, _: &'a str, _: i64, key: &'a str) -> GatewayFuture<'a, String> {
        Box::pin(async move { Ok(format!("re_{key}")) })
    }

    fn webhook(&self, _: &WebhookHeaders, _: &[u8], _: i64) -> AppResult<Option<WebhookEvent>> {
        Ok(None)
    }
}

fn card(amount: &str, token: &str) -> NewPayment {
    NewPayment {
        provider: Some("stripe".into()),
        gift_card_code: None,
        payment_method: Some(token.into()),
        method: None,
        amount: money(amount),
        captured: None,
        overpayment: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn card_payments_on_two_nodes_never_take_the_same_balance() {
    for engine in engines() {
        two_nodes_one_balance(&engine).await;
    }
}

async fn two_nodes_one_balance(engine: &TestEngine) {
    let url = engine.fresh_url(&temp_dir("cards"));
    let node = || {
        let store = Store::new(ordo_store::open_engine(&url, &Default::default()).unwrap());
        App::new(store, Arc::new(SystemClock)).with_gateway(Arc::new(SlowGateway))
    };
    let (a, b) = (node(), node());
    setup(&a, &["WH"], &["SOCK"], 10).await;
    let order = a.place_order(&Actor::system(), order(&[("SOCK", 10)]), None).await.unwrap().into_fresh().unwrap();
    let id = order.id.to_string();
    // 10.00 due; each node takes 6.00 with a different card, at the same moment.
    let (ia, ib) = (id.clone(), id.clone());
    let first =
        tokio::spawn(async move { a.add_payment(&Actor::system(), &ia, card("6.00", "pm_card_a"), None).await });
    let second =
        tokio::spawn(async move { b.add_payment(&Actor::system(), &ib, card("6.00", "pm_card_b"), None).await });
    let results = [first.await.unwrap().map(|_| ()), second.await.unwrap().map(|_| ())];
    let taken = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(taken, 1, "{engine:?}: exactly one of the two card payments is taken: {results:?}");
    let refused = results.iter().find_map(|r| r.as_ref().err()).unwrap();
    assert!(
        matches!(refused, AppError::Refused { code: "amount_exceeds_balance_due", .. }),
        "{engine:?}: the other is refused for the balance: {refused:?}"
    );
    let c = node();
    let payments = c.order_payments(&Actor::system(), &id).await.unwrap();
    assert_eq!(payments.summary.captured, 600, "{engine:?}");
    // The claim of the payment taken is settled, the refused one never claimed: 4.00 is still
    // due and can be paid.
    c.add_payment(&Actor::system(), &id, card("4.00", "pm_card_c"), None).await.unwrap();
    assert_eq!(c.order_payments(&Actor::system(), &id).await.unwrap().summary.balance_due, 0, "{engine:?}");
}
