//! A card gateway held in memory, behind the same trait as the Stripe adapter, that keeps its
//! own books (what it authorized, captured and refunded per payment) and fails on demand:
//! a decline, an answer lost before the gateway acted, or one lost after it did. Its books are
//! the other side of Ordo's: every card payment Ordo records must agree with them.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use ordo_app::ports::payment::{Authorization, GatewayPayment, PaymentGateway, WebhookEvent};
use ordo_app::ports::{GatewayFuture, WebhookHeaders};
use ordo_app::{AppError, AppResult};

/// How the next call goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Answer,
    Decline,
    /// The request never reached the gateway (a timeout before it acted).
    LostBefore,
    /// The gateway acted, and its answer was lost (a timeout after it acted).
    LostAfter,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Intent {
    pub order_id: String,
    pub amount: i64,
    pub captured: i64,
    pub refunded: i64,
    pub voided: bool,
}

#[derive(Debug, Default)]
pub struct Books {
    pub intents: BTreeMap<String, Intent>,
    /// Idempotency key -> what the call with it answered (a payment's reference or a refund id).
    answered: HashMap<String, String>,
    /// How the next call goes (then `Answer` again).
    pub next: Option<Mode>,
    pub calls: u64,
}

#[derive(Clone, Default)]
pub struct SimGateway(pub Arc<Mutex<Books>>);

fn lost() -> AppError {
    AppError::Unavailable("the card gateway did not answer in time".into())
}

impl SimGateway {
    /// Runs one call: `act` changes the books once per idempotency key (a retry with the same
    /// key is answered as the first was), under the mode set for this call.
    fn call<T>(
        &self,
        key: &str,
        act: impl FnOnce(&mut Books) -> AppResult<(String, T)>,
        again: impl FnOnce(&Books, &str) -> T,
    ) -> AppResult<T> {
        let mut books = self.0.lock().unwrap();
        books.calls += 1;
        let mode = books.next.take().unwrap_or(Mode::Answer);
        match mode {
            Mode::Decline => {
                return Err(AppError::Refused { code: "card_declined", message: "the card was declined".into() });
            }
            Mode::LostBefore => return Err(lost()),
            Mode::Answer | Mode::LostAfter => {}
        }
        let answer = match books.answered.get(key).cloned() {
            Some(id) => again(&books, &id),
            None => {
                let (id, answer) = act(&mut books)?;
                books.answered.insert(key.to_owned(), id);
                answer
            }
        };
        if mode == Mode::LostAfter { Err(lost()) } else { Ok(answer) }
    }

    fn payment(books: &Books, reference: &str) -> GatewayPayment {
        let received = books.intents.get(reference).map_or(0, |i| i.captured);
        GatewayPayment { reference: reference.to_owned(), received }
    }
}

impl PaymentGateway for SimGateway {
    fn provider(&self) -> &'static str {
        "stripe"
    }

    fn authorize<'a>(&'a self, what: Authorization<'a>, key: &'a str) -> GatewayFuture<'a, GatewayPayment> {
        Box::pin(async move {
            self.call(
                key,
                |books| {
                    let reference = format!("pi_{}", books.intents.len() + 1);
                    let captured = if what.capture_now { what.amount } else { 0 };
                    let intent = Intent {
                        order_id: what.order_id.to_owned(),
                        amount: what.amount,
                        captured,
                        ..Intent::default()
                    };
                    books.intents.insert(reference.clone(), intent);
                    Ok((reference.clone(), Self::payment(books, &reference)))
                },
                Self::payment,
            )
        })
    }

    fn capture<'a>(
        &'a self,
        reference: &'a str,
        amount: i64,
        _last: bool,
        key: &'a str,
    ) -> GatewayFuture<'a, GatewayPayment> {
        Box::pin(async move {
            self.call(
                key,
                |books| {
                    let intent =
                        books.intents.get_mut(reference).ok_or_else(|| AppError::Internal("no such intent".into()))?;
                    if intent.voided || intent.captured + amount > intent.amount {
                        return Err(AppError::Refused {
                            code: "capture_refused",
                            message: "more than authorized".into(),
                        });
                    }
                    intent.captured += amount;
                    Ok((reference.to_owned(), Self::payment(books, reference)))
                },
                Self::payment,
            )
        })
    }

    fn void<'a>(&'a self, reference: &'a str, key: &'a str) -> GatewayFuture<'a, GatewayPayment> {
        Box::pin(async move {
            self.call(
                key,
                |books| {
                    let intent =
                        books.intents.get_mut(reference).ok_or_else(|| AppError::Internal("no such intent".into()))?;
                    intent.voided = true;
                    Ok((reference.to_owned(), Self::payment(books, reference)))
                },
                Self::payment,
            )
        })
    }

    fn refund<'a>(&'a self, reference: &'a str, amount: i64, key: &'a str) -> GatewayFuture<'a, String> {
        Box::pin(async move {
            self.call(
                key,
                |books| {
                    let n = books.answered.len();
                    let intent =
                        books.intents.get_mut(reference).ok_or_else(|| AppError::Internal("no such intent".into()))?;
                    if intent.refunded + amount > intent.captured {
                        return Err(AppError::Refused { code: "refund_refused", message: "more than captured".into() });
                    }
                    intent.refunded += amount;
                    let id = format!("re_{n}");
                    Ok((id.clone(), id))
                },
                |_, id| id.to_owned(),
            )
        })
    }

    fn webhook(&self, _headers: &WebhookHeaders, _body: &[u8], _now_ms: i64) -> AppResult<Option<WebhookEvent>> {
        Ok(None)
    }
}
