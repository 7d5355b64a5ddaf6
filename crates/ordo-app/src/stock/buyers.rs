//! A location's buyers: the people who buy stock for it, told by email when a SKU there runs
//! low (`inventory.low_stock`, when mail is configured). Set as a whole list per location.

use ordo_domain::validate::Errors;
use ordo_store::BuyerRecord;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::kernel::events::payloads::BuyersChanged;
use crate::kernel::events::{Event, emit};
use crate::kernel::guard::require;
use crate::kernel::input::check_email;
use crate::{Action, Actor, App, AppError, AppResult};

/// The most buyers one location may have.
pub const MAX_BUYERS: usize = 20;

/// One buyer of a location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buyer {
    /// Lower-cased.
    pub email: String,
    pub name: Option<String>,
}

/// A location's buyers, by email address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buyers {
    /// The location's code.
    pub location: String,
    pub buyers: Vec<Buyer>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BuyerInput {
    #[schema(
        required = true,
        max_length = 254,
        pattern = r"^[^@\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000]+@[^@\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000.\u0000]([^@\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000]*\.)+[^@\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000]*[^@\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000.\u0000]$",
        example = "buyer@acme.example"
    )]
    pub email: Option<String>,
    #[schema(max_length = 200, pattern = r"^[^\u0000]*$", example = "Bea Buyer")]
    pub name: Option<String>,
}

/// A location's buyers, replacing those it had (an empty list: none).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BuyersInput {
    /// 0 to 20 buyers; an address given twice counts once.
    #[schema(required = true, max_items = 20)]
    pub buyers: Option<Vec<BuyerInput>>,
}

fn to_buyers(location: &str, rows: Vec<BuyerRecord>) -> Buyers {
    Buyers {
        location: location.to_owned(),
        buyers: rows.into_iter().map(|b| Buyer { email: b.email, name: b.name }).collect(),
    }
}

impl App {
    pub async fn location_buyers(&self, actor: &Actor, location: &str) -> AppResult<Buyers> {
        require(actor, Action::ReadInventory)?;
        let code = location.to_owned();
        self.store
            .read(move |tx| {
                let loc = tx.location_by_code(&code)?.ok_or(AppError::NotFound("location"))?;
                Ok(to_buyers(&loc.code, tx.buyers(loc.id.as_str())?))
            })
            .await
    }

    /// Replaces a location's buyers. The same list again changes nothing and records nothing.
    pub async fn put_location_buyers(&self, actor: &Actor, location: &str, input: BuyersInput) -> AppResult<Buyers> {
        require(actor, Action::Purchase)?;
        let mut e = Errors::new();
        let mut buyers: Vec<Buyer> = Vec::new();
        match input.buyers.as_deref() {
            None => e.add("buyers", "is required"),
            Some(list) if list.len() > MAX_BUYERS => e.add("buyers", format!("must have at most {MAX_BUYERS} buyers")),
            Some(list) => {
                for (i, b) in list.iter().enumerate() {
                    let email = check_email(&mut e, &format!("buyers/{i}/email"), b.email.as_deref());
                    let name = e.optional_text(&format!("buyers/{i}/name"), b.name.as_deref(), 200);
                    // An address given twice (in any case) counts once, with its first name.
                    if let Some(email) = email
                        && !buyers.iter().any(|o| o.email == email)
                    {
                        buyers.push(Buyer { email, name });
                    }
                }
            }
        }
        e.finish(())?;
        buyers.sort_by(|a, b| a.email.cmp(&b.email));
        let (code, now) = (location.to_owned(), self.now());
        self.store
            .write(move |tx| {
                let loc = tx.location_by_code(&code)?.ok_or(AppError::NotFound("location"))?;
                let before = to_buyers(&loc.code, tx.buyers(loc.id.as_str())?);
                let after = Buyers { location: loc.code.clone(), buyers: buyers.clone() };
                if before == after {
                    return Ok(after);
                }
                let rows: Vec<BuyerRecord> = buyers
                    .iter()
                    .map(|b| BuyerRecord {
                        location_id: loc.id.to_string(),
                        email: b.email.clone(),
                        name: b.name.clone(),
                    })
                    .collect();
                tx.put_buyers(loc.id.as_str(), &rows)?;
                let changed = BuyersChanged {
                    location: loc.code.clone(),
                    buyers: buyers.iter().map(|b| b.email.clone()).collect(),
                };
                emit(tx, now, loc.id.as_str(), Event::LocationBuyersUpdated(changed))?;
                Ok::<_, AppError>(after)
            })
            .await
    }
}
