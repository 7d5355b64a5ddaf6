//! Outbound webhooks' closed sets of words: where a delivery stands, whether a subscription
//! is sent to, and which deliveries a replay may name.

/// `pending` (waiting for its next attempt), `delivered`, or `dead` (its retry window passed;
/// the dead-letter list).
pub const DELIVERY_STATUSES: [&str; 3] = ["pending", "delivered", "dead"];

/// Whether a subscription is sent to.
pub const SUBSCRIPTION_STATUSES: [&str; 2] = ["active", "disabled"];

/// What a replay of a subscription's deliveries may name: the dead ones or the delivered ones
/// (pending ones are sent anyway).
pub const REPLAYABLE: [&str; 2] = ["dead", "delivered"];
