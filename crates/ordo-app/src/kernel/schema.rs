//! Schemas for request fields whose rule the derive cannot say on its own: closed sets of
//! words and money in its currency's decimals. Each is built from the same table or list
//! the validation reads, so the document cannot drift from what the server accepts. Used as
//! `#[schema(schema_with = ...)]`; the `_or_null` forms are for optional fields, where `null`
//! is read as absent.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::AdditionalProperties;
use utoipa::openapi::schema::{AllOfBuilder, Object, ObjectBuilder, Schema, Type};

/// White space as the checks read it (`ordo_domain::validate::is_blank`), spelled out for
/// patterns: `\s` means other things to other regular-expression dialects.
pub const BLANK: &str =
    r"\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

/// How many digits an amount may have in minor units: `AMOUNT_DIGITS - exponent` before the
/// point (99,999,999.99 USD, 9,999,999,999 JPY). It keeps every sum an order can make (500 lines
/// of up to a million units) inside 64-bit minor units.
pub const AMOUNT_DIGITS: usize = 10;

/// A string schema taking these words.
pub fn words(words: impl IntoIterator<Item = &'static str>) -> Object {
    let values: Vec<serde_json::Value> = words.into_iter().map(serde_json::Value::from).collect();
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values)).build()
}

/// Every ISO 4217 code Ordo knows, in order.
pub fn currency_codes() -> impl Iterator<Item = &'static str> {
    ordo_domain::money::CURRENCIES.iter().map(|(c, _)| *c)
}

/// The decimal string `check_money` accepts for a currency with `exponent` decimals: no sign,
/// at most `AMOUNT_DIGITS - exponent` significant digits before the point, at most `exponent`
/// significant decimals (trailing zeros carry no value).
pub fn amount_pattern(exponent: u8) -> String {
    let whole = AMOUNT_DIGITS - exponent as usize;
    let decimals = if exponent == 0 { r"(\.0+)?".to_owned() } else { format!(r"(\.[0-9]{{1,{exponent}}}0*)?") };
    format!("^0*[0-9]{{1,{whole}}}{decimals}$")
}

/// The same, above zero: a non-zero digit before the point, or one among the first
/// `exponent` decimals.
pub fn positive_amount_pattern(exponent: u8) -> String {
    let whole = AMOUNT_DIGITS - exponent as usize;
    let any_decimals = if exponent == 0 { r"(\.0+)?".to_owned() } else { format!(r"(\.[0-9]{{1,{exponent}}}0*)?") };
    let mut fractions: Vec<String> = Vec::new();
    for zeros in 0..exponent {
        let rest = exponent - zeros - 1;
        fractions.push(format!("0{{{zeros}}}[1-9][0-9]{{0,{rest}}}"));
    }
    let small = if fractions.is_empty() { String::new() } else { format!(r"|0+\.({})0*", fractions.join("|")) };
    format!("^(0*[1-9][0-9]{{0,{}}}{any_decimals}{small})$", whole - 1)
}

/// The numbers of decimals currencies have.
fn exponents() -> Vec<u8> {
    let mut exponents: Vec<u8> = ordo_domain::money::CURRENCIES.iter().map(|(_, e)| *e).collect();
    exponents.sort_unstable();
    exponents.dedup();
    exponents
}

/// One object, as clients generate it: an amount in any currency's form, and the currency;
/// the amount's form for each currency's decimals is a rule of [`field_rules`].
fn money_of(pattern: fn(u8) -> String, description: &str) -> Schema {
    let forms: Vec<String> =
        exponents().into_iter().map(|e| pattern(e).trim_start_matches('^').trim_end_matches('$').to_owned()).collect();
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property(
            "amount",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(format!("^({})$", forms.join("|"))))
                .description(Some("Decimal string, e.g. `\"19.99\"`; at most as many decimals as the currency has."))
                .examples(["19.99"]),
        )
        .property("currency", RefOr::Ref(utoipa::openapi::Ref::from_schema_name("CurrencyCode")))
        .required("amount")
        .required("currency")
        .additional_properties(Some(AdditionalProperties::FreeForm(false)))
        .description(Some(description))
        .build()
        .into()
}

/// For each number of decimals, the form an amount takes in the currencies that have it.
fn amount_forms(pattern: fn(u8) -> String) -> serde_json::Value {
    let rules: Vec<serde_json::Value> = exponents()
        .into_iter()
        .map(|exp| {
            let codes: Vec<&str> =
                ordo_domain::money::CURRENCIES.iter().filter(|(_, e)| *e == exp).map(|(c, _)| *c).collect();
            serde_json::json!({
                "if": {"required": ["currency"], "properties": {"currency": {"enum": codes}}},
                "then": {"properties": {"amount": {"pattern": pattern(exp)}}},
            })
        })
        .collect();
    serde_json::Value::Array(rules)
}

/// Money: `{"amount", "currency"}`, the amount valid exactly when its currency allows it.
pub fn money() -> Schema {
    money_of(
        amount_pattern,
        "An amount of money: a decimal string (e.g. `\"19.99\"`) with at most as many decimals as the \
         currency has, and an ISO 4217 currency code.",
    )
}

/// Money above zero (a payment, a gift card, a credit).
pub fn positive_money() -> Schema {
    money_of(positive_amount_pattern, "An amount of money above zero, as `MoneyInput` otherwise.")
}

/// A rate as `Rate::parse` reads it: up to 12 digits on each side of the point, above zero.
pub const RATE_PATTERN: &str = r"^[0-9]{1,12}(\.[0-9]{0,12})?$";

/// Rates by currency code, each a positive decimal string.
pub fn rates_map() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property_names(Some(words(currency_codes())))
        .additional_properties(Some(AdditionalProperties::RefOr(RefOr::T(Schema::AllOf(
            AllOfBuilder::new()
                .item(ObjectBuilder::new().schema_type(Type::String).pattern(Some(RATE_PATTERN)))
                // Above zero: some digit is not 0.
                .item(ObjectBuilder::new().schema_type(Type::String).pattern(Some("[1-9]")))
                .build(),
        )))))
        .examples([serde_json::json!({"USD": "1.0512", "JPY": "160.23"})])
        .build()
}

/// A text that is not blank: at least one character outside [`BLANK`] (and no NUL).
pub fn blank_free() -> String {
    format!("^[^\\u0000]*[^{BLANK}\\u0000][^\\u0000]*$")
}

/// A customer's tag: not blank, at most 64 characters.
pub struct CustomerTag;

impl utoipa::PartialSchema for CustomerTag {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(64))
            .pattern(Some(blank_free()))
            .examples(["vip"])
            .build()
            .into()
    }
}

impl utoipa::ToSchema for CustomerTag {}

/// A SKU named in a list: not blank, at most 64 characters.
pub struct SkuText;

impl utoipa::PartialSchema for SkuText {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(64))
            .pattern(Some(blank_free()))
            .examples(["TENT-2P"])
            .build()
            .into()
    }
}

impl utoipa::ToSchema for SkuText {}

/// Rules between the fields of a request type that its derive cannot say, by schema name:
/// keywords the document adds to that schema (each list of conditions goes under `allOf`).
pub fn field_rules() -> Vec<(&'static str, serde_json::Value)> {
    // A latitude without a longitude, or the other way round, is refused.
    let together = serde_json::json!([
        {"if": {"required": ["latitude"], "properties": {"latitude": {"type": "number"}}},
         "then": {"required": ["longitude"], "properties": {"longitude": {"type": "number"}}}},
        {"if": {"required": ["longitude"], "properties": {"longitude": {"type": "number"}}},
         "then": {"required": ["latitude"], "properties": {"latitude": {"type": "number"}}}},
    ]);
    let code = r"[A-Za-z0-9._-]";
    let channel_key = serde_json::json!([{
        "if": {"required": ["role"], "properties": {"role": {"const": "channel"}}},
        "then": {"required": ["channel"], "properties": {"channel": {"type": "string", "pattern": format!("^[{BLANK}]*{code}+[{BLANK}]*$")}}},
        "else": {"properties": {"channel": {"anyOf": [{"type": "null"}, {"type": "string", "pattern": format!("^[{BLANK}]*$")}]}}},
    }]);
    let blank_free = blank_free();
    let amount_rules: Vec<&str> =
        ordo_domain::hold::HoldTrigger::ALL.iter().filter(|t| t.needs_amount()).map(|t| t.as_str()).collect();
    let hold_rule = serde_json::json!([
        {"if": {"required": ["when"], "properties": {"when": {"enum": amount_rules}}},
         "then": {"required": ["amount"], "properties": {"amount": {"type": "object"}}}},
        {"if": {"required": ["when"], "properties": {"when": {"const": "blocked_customer"}}},
         "then": {"required": ["emails"], "properties": {"emails": {"type": "array", "minItems": 1}}}},
        {"properties": {"emails": {"items": {"type": "string", "maxLength": 254, "pattern": blank_free}}}},
    ]);
    let refund = serde_json::json!([{"anyOf": [
        {"required": ["lines"], "properties": {"lines": {"type": "array", "minItems": 1}}},
        {"required": ["shipping"], "properties": {"shipping": {"type": "object"}}},
        {"required": ["amount"], "properties": {"amount": {"type": "object"}}},
    ]}]);
    // A point of sale names its store; a feeding location is a code.
    let channel_settings = serde_json::json!([
        {"if": {"required": ["kind"], "properties": {"kind": {"const": "pos"}}},
         "then": {"required": ["store_location"], "properties": {"store_location": {"type": "string", "pattern": blank_free}}}},
        {"properties": {"locations": {"items": {"type": "string", "minLength": 1, "maxLength": 32, "pattern": "^[^\\u0000]*$"}}}},
    ]);
    // A carrier is priced by its API or by the rate cards given here, not both.
    let carrier = serde_json::json!([{
        "if": {"required": ["api"], "properties": {"api": {"type": "object"}}},
        "then": {"properties": {"services": {"type": "null"}}},
        "else": {"required": ["services"], "properties": {"services": {"type": "array", "minItems": 1}}},
    }]);
    let payment = serde_json::json!([
        {"if": {"properties": {"provider": {"const": "gift_card"}}},
         "then": {"required": ["gift_card_code"], "properties": {"gift_card_code": {"type": "string"}}}},
        {"if": {"properties": {"provider": {"const": "stripe"}}},
         "then": {"required": ["payment_method"], "properties": {"payment_method": {"type": "string"}}}},
    ]);
    // Units move between two different places.
    let bucket_move: Vec<serde_json::Value> = ordo_domain::inventory::BUCKETS
        .iter()
        .map(|b| serde_json::json!({"not": {"required": ["from", "to"], "properties": {"from": {"const": b}, "to": {"const": b}}}}))
        .collect();
    // What each kind of change needs.
    let fields = ["line_id", "sku", "quantity", "unit_price", "address"];
    let kinds: [(&str, &[&str], serde_json::Value); 4] = [
        (
            "set_quantity",
            &["line_id", "quantity"],
            serde_json::json!({"line_id": {"type": "string"}, "quantity": {"type": "integer"}}),
        ),
        ("remove_line", &["line_id"], serde_json::json!({"line_id": {"type": "string"}})),
        (
            "add_line",
            &["sku", "quantity", "unit_price"],
            serde_json::json!({"sku": {"type": "string"}, "quantity": {"type": "integer", "minimum": 1}, "unit_price": {"type": "object"}}),
        ),
        ("set_shipping_address", &["address"], serde_json::json!({"address": {"type": "object"}})),
    ];
    let change: Vec<serde_json::Value> = kinds
        .into_iter()
        .map(|(kind, reads, mut properties)| {
            // What the change does not read is not sent.
            for unread in fields.iter().filter(|f| !reads.contains(f)) {
                properties[*unread] = serde_json::Value::Bool(false);
            }
            serde_json::json!({"if": {"required": ["type"], "properties": {"type": {"const": kind}}},
                               "then": {"required": reads, "properties": properties}})
        })
        .collect();
    let change = serde_json::Value::Array(change);
    let criteria: Vec<&str> = ordo_domain::routing::Criterion::ALL.iter().map(|c| c.as_str()).collect();
    let rule_set = serde_json::json!([{"properties": {
        "criteria": {"uniqueItems": true, "items": {"enum": criteria}},
        "channels": {"uniqueItems": true, "items": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": format!("^{code}+$")}},
    }}]);
    let either = |a: &str, ta: &str, b: &str, tb: &str| {
        serde_json::json!({"oneOf": [
            {"required": [a], "properties": {a: {"type": ta}}, "not": {"required": [b], "properties": {b: {"type": tb}}}},
            {"required": [b], "properties": {b: {"type": tb}}, "not": {"required": [a], "properties": {a: {"type": ta}}}},
        ]})
    };
    // An order names its customer by id or inline, one of the two.
    let order = serde_json::json!([either("customer", "object", "customer_id", "string")]);
    // A simulation runs over one order or the last ones, with a stored rule set or inline rules.
    let simulation = serde_json::json!([
        either("order_id", "string", "last", "integer"),
        {"not": {"required": ["rule_set", "rules"], "properties": {"rule_set": {"type": "string"}, "rules": {"type": "object"}}}},
    ]);
    vec![
        ("NewOrder", order),
        (
            "ZoneInput",
            serde_json::json!([{"properties": {"countries": {"items": {"type": "string", "pattern": "^[^\\u0000]*$"}}}}]),
        ),
        ("SimulateInput", simulation),
        ("AdjustmentInput", serde_json::json!([{"properties": {"delta": {"not": {"const": 0}}}}])),
        ("NewKey", channel_key),
        ("HoldRuleInput", hold_rule),
        ("ChannelSettingsInput", channel_settings),
        ("RefundInput", refund),
        ("CarrierInput", carrier),
        ("NewPayment", payment),
        ("BucketMoveInput", serde_json::Value::Array(bucket_move)),
        ("ChangeInput", change),
        ("RuleSetInput", rule_set.clone()),
        ("RuleSetReplace", rule_set),
        ("AddressInput", together.clone()),
        ("NewLocation", together.clone()),
        ("LocationPatch", together),
        ("MoneyInput", amount_forms(amount_pattern)),
        ("PositiveMoneyInput", amount_forms(positive_amount_pattern)),
    ]
}

/// Closed sets of words as named schemas, for `#[schema(value_type = Option<...>)]`, which
/// keeps the field's own description (a `schema_with` would drop it) and gives generated
/// clients one enum per set.
macro_rules! word_types {
    ($($(#[$m:meta])* $name:ident = $list:expr;)+) => {
        $(
            $(#[$m])*
            pub struct $name;

            impl utoipa::PartialSchema for $name {
                fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                    $crate::kernel::schema::words($list).into()
                }
            }

            impl utoipa::ToSchema for $name {}
        )+
    };
}
pub(crate) use word_types;

word_types! {
    /// An ISO 4217 currency code.
    CurrencyCode = currency_codes();
    /// The currency rates are quoted against.
    BaseCurrency = [ordo_domain::fx::BASE];
    /// A location's kind.
    LocationKind = ["warehouse", "store"];
    /// Why stock is adjusted by hand.
    AdjustmentReason =
        ordo_domain::inventory::Reason::ALL.into_iter().filter(ordo_domain::inventory::Reason::is_manual).map(|r| r.as_str());
    /// A stock bucket units move from.
    Bucket = ordo_domain::inventory::BUCKETS;
    /// Where units of a bucket move to: sellable stock, out of the building, or another bucket.
    BucketTarget = ["stock", "out"].into_iter().chain(ordo_domain::inventory::BUCKETS);
    /// A key's role.
    Role = crate::kernel::access::Role::ALL.map(|r| r.as_str());
    /// A routing criterion.
    Criterion = ordo_domain::routing::Criterion::ALL.map(|c| c.as_str());
    /// Where a refund goes.
    RefundTarget = ["original", "store_credit"];
    /// Who takes a payment.
    Provider = ["manual", "stripe", "gift_card", "store_credit"];
    /// How a manual payment is made.
    PaymentMethod = ["cash_on_delivery", "bank_transfer", "invoice", "other"];
    /// A kind of order edit.
    ChangeType = ["set_quantity", "add_line", "remove_line", "set_shipping_address"];
    /// A tracking report's status.
    TrackingStatus = ["in_transit", "out_for_delivery", "delivered", "exception"];
    /// A label's file format.
    LabelFormat = ["pdf", "zpl"];
    /// A pick list's format.
    PickListFormat = ["json", "pdf"];
    /// A fulfilment's status.
    FulfillmentStatus = ordo_domain::fulfillment::FulfillmentStatus::ALL.map(|s| s.as_str());
    /// An order's status.
    OrderStatus = ordo_domain::order::OrderStatus::ALL.map(|s| s.as_str());
    /// A hold's kind.
    HoldKind = ordo_domain::hold::HoldKind::ALL.iter().map(|v| v.as_str());
    /// What puts an order on hold.
    HoldTrigger = ordo_domain::hold::HoldTrigger::ALL.iter().map(|v| v.as_str());
    /// A hold's status.
    HoldStatus = ordo_domain::hold::HoldStatus::ALL.iter().map(|v| v.as_str());
    /// A claim's kind.
    ClaimKind = ordo_domain::returns::ClaimKind::ALL.iter().map(|v| v.as_str());
    /// How a claim is resolved.
    ClaimResolution = ordo_domain::returns::ClaimResolution::ALL.iter().map(|v| v.as_str());
    /// What becomes of a returned unit.
    Disposition = ordo_domain::returns::Disposition::ALL.iter().map(|v| v.as_str());
    /// Why a unit is returned.
    ReturnReason = ordo_domain::returns::ReturnReason::ALL.iter().map(|v| v.as_str());
    /// A return's status.
    ReturnStatus = ordo_domain::returns::ReturnStatus::ALL.iter().map(|v| v.as_str());
    /// When a channel's payments are captured.
    CapturePolicy = ordo_domain::payment::CapturePolicy::ALL.iter().map(|v| v.as_str());
    /// When a return is refunded.
    RefundReturnsOn = ordo_domain::returns::RefundReturnsOn::ALL.iter().map(|v| v.as_str());
    /// The platform behind a sales channel.
    ChannelKind = ordo_domain::channel::ChannelKind::ALL.iter().map(|v| v.as_str());
    /// What became of a payload a channel sent.
    ImportStatus = ordo_domain::channel::ImportStatus::ALL.iter().map(|v| v.as_str());
    /// Where a webhook delivery stands.
    DeliveryStatus = ordo_domain::webhook::DELIVERY_STATUSES;
    /// Which deliveries a replay sends again.
    ReplayStatus = ordo_domain::webhook::REPLAYABLE;
    /// Whether a webhook subscription is sent to.
    WebhookStatus = ordo_domain::webhook::SUBSCRIPTION_STATUSES;
    /// Whether a supplier takes new purchase orders.
    SupplierStatusName = ordo_domain::purchasing::SupplierStatus::ALL.iter().map(|v| v.as_str());
    /// Where a purchase order stands.
    PurchaseOrderStatusName = ordo_domain::purchasing::PurchaseOrderStatus::ALL.iter().map(|v| v.as_str());
    /// Where a transfer between locations stands.
    TransferStatusName = ordo_domain::transfer::TransferStatus::ALL.iter().map(|v| v.as_str());
    /// Why units of a transfer never arrived.
    LossReasonName = ordo_domain::transfer::LossReason::ALL.iter().map(|v| v.as_str());
    /// An event type a webhook subscription may ask for, or `*` for every one.
    EventName = std::iter::once("*").chain(crate::kernel::events::CATALOGUE.iter().map(|e| e.name));
    /// A kind of message Ordo sends a customer.
    MessageKindName = ordo_domain::notification::MessageKind::ALL.iter().map(|k| k.as_str());
    /// A kind of message to customers.
    CustomerMessageKindName = ordo_domain::notification::MessageKind::ALL.iter().filter(|k| k.to_customer()).map(|k| k.as_str());
    /// A kind of message a customer may turn off.
    OptionalMessageKindName = ordo_domain::notification::MessageKind::ALL.iter().filter(|k| k.optional()).map(|k| k.as_str());
    /// A language customer messages are written in.
    LanguageName = ordo_domain::notification::LANGUAGES;
    /// Where a message to a customer stands.
    NotificationStatus = ordo_domain::notification::NOTIFICATION_STATUSES;
}

/// Money above zero (a payment, a gift card, a credit).
pub struct PositiveMoneyInput;

impl utoipa::PartialSchema for PositiveMoneyInput {
    fn schema() -> RefOr<Schema> {
        positive_money().into()
    }
}

impl utoipa::ToSchema for PositiveMoneyInput {}

/// Rates by currency code.
pub struct Rates;

impl utoipa::PartialSchema for Rates {
    fn schema() -> RefOr<Schema> {
        rates_map().into()
    }
}

impl utoipa::ToSchema for Rates {}

#[cfg(test)]
mod tests {
    use super::*;

    use ordo_domain::money::Currency;
    use ordo_domain::validate::Errors;
    use proptest::prelude::*;

    use crate::kernel::input::{MoneyInput, check_money};

    fn matches(pattern: &str, s: &str) -> bool {
        regex::Regex::new(pattern).unwrap().is_match(s)
    }

    fn accepted(amount: &str, code: &str) -> Option<i64> {
        let input = MoneyInput { amount: Some(amount.to_owned()), currency: Some(code.to_owned()) };
        check_money(&mut Errors::new(), "amount", &input, None).map(|m| m.minor())
    }

    proptest! {
        /// Whatever the string, the document's pattern and the server's check agree.
        #[test]
        fn the_patterns_are_the_check(amount in "[-0-9.]{0,14}", code in "(USD|JPY|KWD|UYW)") {
            let exp = Currency::from_code(&code).unwrap().exponent();
            let minor = accepted(&amount, &code);
            prop_assert_eq!(matches(&amount_pattern(exp), &amount), minor.is_some(), "{} {}", amount, code);
            prop_assert_eq!(matches(&positive_amount_pattern(exp), &amount), minor.is_some_and(|m| m > 0), "{} {}", amount, code);
        }
    }

    #[test]
    fn the_blank_class_is_what_the_checks_call_blank() {
        let class = regex::Regex::new(&format!("^[{BLANK}]$")).unwrap();
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            assert_eq!(class.is_match(c.encode_utf8(&mut [0; 4])), ordo_domain::validate::is_blank(c), "{:?}", c);
        }
    }

    #[test]
    fn amount_patterns_match_what_check_money_accepts() {
        let cases = [
            (2, "0", true, false),
            (2, "0.00", true, false),
            (2, "19.99", true, true),
            (2, "19.990", true, true),
            (2, "0.01", true, true),
            (2, "00.10", true, true),
            (2, "1.999", false, false),
            (2, "99999999.99", true, true),
            (2, "100000000", false, false),
            (2, "-1", false, false),
            (2, ".5", false, false),
            (2, "5.", false, false),
            (0, "5", true, true),
            (0, "5.00", true, true),
            (0, "5.5", false, false),
            (0, "0.0", true, false),
            (3, "0.001", true, true),
            (3, "0.0010", true, true),
            (3, "0.0001", false, false),
        ];
        for (exp, amount, valid, positive) in cases {
            assert_eq!(matches(&amount_pattern(exp), amount), valid, "{amount} with {exp} decimals");
            assert_eq!(matches(&positive_amount_pattern(exp), amount), positive, "{amount} above zero, {exp} decimals");
        }
    }
}
