//! What order capture reads before its write: the catalogue entries, the locations, the
//! customer and the channel's rules, read in one read transaction (or, for an import, inside
//! its write, with what a batch shares read once).

use std::collections::HashMap;

use ordo_domain::catalog::{Customer, Product};
use ordo_domain::money::Currency;
use ordo_domain::routing::{RuleSet, Site};
use ordo_store::Tx;

use crate::sales::orders::{CheckedOrder, CustomerRef, check_products};
use crate::{App, AppError, AppResult};

/// What order capture reads before it reaches the writer: the catalogue entries, the
/// locations and the customer. None of it can oversell if it is a moment old: stock itself is
/// read and changed inside the write transaction.
pub(crate) struct Prepared {
    pub(crate) names: HashMap<String, String>,
    pub(crate) sites: Vec<Site>,
    pub(crate) rules: RuleSet,
    /// The customer, when it exists and the order changes nothing about it.
    pub(crate) customer: Option<Customer>,
    /// The channel's hold rules.
    pub(crate) hold_rules: Vec<crate::channels::settings::HoldRule>,
}

pub(crate) async fn prepare(app: &App, o: &CheckedOrder) -> AppResult<Prepared> {
    let today = crate::kernel::time_fmt::day(app.now());
    // Only what the reads need goes to the reader, not the whole order.
    let skus: Vec<String> = o.lines.iter().map(|(s, _, _)| s.clone()).collect();
    let (customer, channel, currency) = (o.customer.clone(), o.channel.clone(), o.currency);
    let reads = app
        .store
        .read(move |tx| {
            let refs: Vec<&str> = skus.iter().map(String::as_str).collect();
            read_for(tx, &today, &refs, &customer, &channel, currency, None)
        })
        .await?;
    reads.prepared(o)
}

/// [`prepare`]'s reads, in the caller's transaction (an import reads them in its write).
pub(crate) fn prepare_in_tx(tx: &mut dyn Tx, today: &str, o: &CheckedOrder) -> AppResult<Prepared> {
    let refs: Vec<&str> = o.lines.iter().map(|(s, _, _)| s.as_str()).collect();
    read_for(tx, today, &refs, &o.customer, &o.channel, o.currency, None)?.prepared(o)
}

/// What the orders of one import batch share and [`prepare_cached`] reads once: the
/// locations (their capacity left is counted again, guarded, as each order is placed), each
/// channel's rules, and the products (an orders import changes none).
#[derive(Default)]
pub(crate) struct PrepareCache {
    sites: Option<Vec<Site>>,
    products: HashMap<String, Option<Product>>,
    rules: HashMap<(String, String), (RuleSet, Vec<crate::channels::settings::HoldRule>)>,
}

pub(crate) fn prepare_cached(
    tx: &mut dyn Tx,
    today: &str,
    o: &CheckedOrder,
    cache: &mut PrepareCache,
) -> AppResult<Prepared> {
    let refs: Vec<&str> = o.lines.iter().map(|(s, _, _)| s.as_str()).collect();
    read_for(tx, today, &refs, &o.customer, &o.channel, o.currency, Some(cache))?.prepared(o)
}

/// What placing an order reads, before its products are checked against it.
struct Reads {
    products: Vec<Product>,
    sites: Vec<Site>,
    customer: Option<Customer>,
    rules: RuleSet,
    hold_rules: Vec<crate::channels::settings::HoldRule>,
}

impl Reads {
    fn prepared(self, o: &CheckedOrder) -> AppResult<Prepared> {
        let names = check_products(o, &self.products)?;
        Ok(Prepared {
            names,
            sites: self.sites,
            customer: self.customer,
            rules: self.rules,
            hold_rules: self.hold_rules,
        })
    }
}

/// The catalogue entries, locations, customer and channel rules an order needs; with a cache,
/// the locations and rules come from it after the first order.
fn read_for(
    tx: &mut dyn Tx,
    today: &str,
    skus: &[&str],
    customer: &CustomerRef,
    channel: &str,
    currency: Currency,
    mut cache: Option<&mut PrepareCache>,
) -> AppResult<Reads> {
    let customer = match customer {
        CustomerRef::Id(id) => {
            Some(tx.customer_by_id(id)?.ok_or_else(|| AppError::missing("customer_id", "no such customer"))?)
        }
        CustomerRef::Inline { email, name, phone } => tx.customer_by_email(email)?.filter(|c| {
            name.as_ref().is_none_or(|n| c.name.as_ref() == Some(n))
                && phone.as_ref().is_none_or(|p| c.phone.as_ref() == Some(p))
        }),
    };
    let key = (channel.to_owned(), currency.code().to_owned());
    let (rules, hold_rules) = match cache.as_ref().and_then(|c| c.rules.get(&key)) {
        Some(r) => r.clone(),
        None => {
            let rules =
                crate::shipping::routing::rules_for_channel(&crate::shipping::routing::load_rule_sets(tx)?, channel)
                    .rules_for(currency.code());
            let holds = crate::channels::settings::settings_of(tx, channel)?.hold_rules;
            if let Some(c) = cache.as_deref_mut() {
                c.rules.insert(key, (rules.clone(), holds.clone()));
            }
            (rules, holds)
        }
    };
    let products = match cache.as_deref_mut() {
        None => tx.products_by_skus(skus)?,
        Some(c) => {
            let unknown: Vec<&str> = skus.iter().copied().filter(|s| !c.products.contains_key(*s)).collect();
            if !unknown.is_empty() {
                let found = tx.products_by_skus(&unknown)?;
                for sku in unknown {
                    c.products.insert(sku.to_owned(), found.iter().find(|p| p.sku == sku).cloned());
                }
            }
            skus.iter().filter_map(|s| c.products.get(*s).cloned().flatten()).collect()
        }
    };
    let sites = match cache {
        Some(c) => match &c.sites {
            Some(s) => s.clone(),
            None => {
                let s = tx.routing_sites(today)?;
                c.sites = Some(s.clone());
                s
            }
        },
        None => tx.routing_sites(today)?,
    };
    Ok(Reads { products, sites, customer, rules, hold_rules })
}
