//! Claims for deliveries that went wrong (`missing` or `damaged` units): resolved without a
//! return, by a refund of the units' value or by reshipping them free of charge in a
//! replacement order. A line's units can be claimed or returned once in all.

use ordo_domain::Money;
use ordo_domain::validate::Errors;
use ordo_store::OrderRecord;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::kernel::events::emit;
use crate::money::payments::order_for;
use crate::stock::catalog::require;
use crate::{Action, Actor, App, AppError, AppResult, random_u128};

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimInput {
    /// `missing` or `damaged`.
    #[serde(rename = "type")]
    #[schema(required = true, example = "missing")]
    pub kind: Option<String>,
    #[schema(required = true)]
    pub lines: Option<Vec<ClaimLineInput>>,
    /// `refund` or `reship`.
    #[schema(required = true, example = "reship")]
    pub resolution: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimLineInput {
    #[schema(required = true)]
    pub line_id: Option<String>,
    #[schema(required = true, minimum = 1)]
    pub quantity: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub id: String,
    pub order_id: String,
    pub kind: String,
    /// (line id, SKU, units).
    pub lines: Vec<(String, String, i64)>,
    pub resolution: String,
    /// `resolved`, or `failed` (see `error`; nothing was refunded or reshipped).
    pub status: String,
    pub refund_id: Option<String>,
    pub reship_order_id: Option<String>,
    pub error: Option<String>,
    pub note: Option<String>,
    pub actor: String,
    pub at: i64,
}

impl Claim {
    fn to_record(&self) -> AppResult<OrderRecord> {
        Ok(OrderRecord {
            id: self.id.clone(),
            order_id: self.order_id.clone(),
            kind: "claim".into(),
            status: self.status.clone(),
            created_at: self.at,
            updated_at: self.at,
            body: serde_json::to_string(self).map_err(|e| AppError::Internal(e.to_string()))?,
        })
    }
}

pub(crate) fn claims_of(tx: &mut dyn ordo_store::Tx, order_id: &str) -> AppResult<Vec<Claim>> {
    tx.order_records(order_id, "claim")?
        .iter()
        .map(|r| serde_json::from_str(&r.body).map_err(|e| AppError::Internal(format!("stored claim: {e}"))))
        .collect()
}

impl App {
    pub async fn file_claim(&self, actor: &Actor, order_id: &str, input: ClaimInput) -> AppResult<Claim> {
        require(actor, Action::WriteOrders)?;
        let mut e = Errors::new();
        let kind = match input.kind.as_deref() {
            Some(k @ ("missing" | "damaged")) => Some(k.to_owned()),
            _ => {
                e.add("type", "must be missing or damaged");
                None
            }
        };
        let resolution = match input.resolution.as_deref() {
            Some(r @ ("refund" | "reship")) => Some(r.to_owned()),
            _ => {
                e.add("resolution", "must be refund or reship");
                None
            }
        };
        let mut lines: Vec<(String, i64)> = Vec::new();
        match &input.lines {
            Some(l) if !l.is_empty() && l.len() <= 500 => {
                for (i, line) in l.iter().enumerate() {
                    let id = e.text(&format!("lines/{i}/line_id"), line.line_id.as_deref(), 64);
                    match (id, line.quantity) {
                        (Some(id), Some(q)) if (1..=crate::sales::orders::MAX_QUANTITY).contains(&q) => {
                            if lines.iter().any(|(x, _)| *x == id) {
                                e.add(format!("lines/{i}/line_id"), "is listed twice");
                            }
                            lines.push((id, q));
                        }
                        _ => e.add(
                            format!("lines/{i}/quantity"),
                            format!("must be between 1 and {}", crate::sales::orders::MAX_QUANTITY),
                        ),
                    }
                }
            }
            _ => e.add("lines", "must list 1 to 500 lines"),
        }
        let note = e.optional_text("note", input.note.as_deref(), 2000);
        let (kind, resolution) = e.finish((kind, resolution))?;
        let (kind, resolution) = (kind.expect("checked"), resolution.expect("checked"));
        let (id, who, clock) = (order_id.to_owned(), actor.clone(), self.clock.clone());
        // Checked and recorded first, so two claims for the same units cannot both pass.
        let (claim, order) = self
            .store
            .write(move |tx| {
                let now = clock.now_ms();
                let order = order_for(tx, &who, &id)?;
                let (sent, _) = crate::aftersales::returns::shipped_units(tx, &order)?;
                if sent.is_empty() {
                    return Err(AppError::InvalidTransition("nothing of this order has shipped".into()));
                }
                let claims = claims_of(tx, order.id.as_str())?;
                let returns = crate::aftersales::returns::returns_of(tx, order.id.as_str())?;
                let mut e = Errors::new();
                let mut out = Vec::new();
                for (i, (line_id, q)) in lines.iter().enumerate() {
                    let Some(line) = order.lines.iter().find(|l| l.id.as_str() == line_id) else {
                        e.add(format!("lines/{i}/line_id"), "is not a line of this order");
                        continue;
                    };
                    let got = sent.iter().find(|(l, _)| l == line_id).map_or(0, |(_, n)| *n);
                    let claimed: i64 = claims
                        .iter()
                        .filter(|c| c.status == "resolved")
                        .flat_map(|c| &c.lines)
                        .filter(|(l, ..)| l == line_id)
                        .map(|(.., n)| n)
                        .sum();
                    let returned: i64 = returns
                        .iter()
                        .filter(|r| r.status != "rejected")
                        .flat_map(|r| &r.lines)
                        .filter(|l| l.line_id == *line_id)
                        .map(|l| l.quantity)
                        .sum();
                    if claimed + returned + q > got {
                        e.add(
                            format!("lines/{i}/quantity"),
                            format!(
                                "{got} shipped, {} claimed or returned: at most {} more",
                                claimed + returned,
                                got - claimed - returned
                            ),
                        );
                        continue;
                    }
                    out.push((line_id.clone(), line.sku.clone(), *q));
                }
                e.finish(())?;
                let claim = Claim {
                    id: format!("clm_{}", ordo_domain::id::encode(now as u64, random_u128())),
                    order_id: order.id.to_string(),
                    kind: kind.clone(),
                    lines: out,
                    resolution: resolution.clone(),
                    status: "resolved".into(),
                    refund_id: None,
                    reship_order_id: None,
                    error: None,
                    note: note.clone(),
                    actor: who.key_id.clone(),
                    at: now,
                };
                tx.insert_order_record(&claim.to_record()?)?;
                emit(
                    tx,
                    now,
                    "claim.created",
                    order.id.as_str(),
                    &json!({"order_id": order.id, "claim_id": claim.id, "type": kind, "resolution": resolution,
                            "actor": who.key_id}),
                )?;
                Ok((claim, order))
            })
            .await?;
        let mut claim = claim;
        match claim.resolution.as_str() {
            "refund" => {
                let req = crate::money::refunds::Request {
                    lines: claim.lines.iter().map(|(l, _, q)| (l.clone(), *q)).collect(),
                    reason: Some(format!("claim {} ({})", claim.id, claim.kind)),
                    ..Default::default()
                };
                match self.create_refund(actor, &claim.order_id, req, None).await {
                    Ok(r) => claim.refund_id = Some(r.id),
                    Err(e) => claim.error = Some(e.to_string()),
                }
            }
            _ => {
                let currency = ordo_domain::Currency::from_code(&order.currency)
                    .ok_or_else(|| AppError::Internal("currency".into()))?;
                let lines =
                    claim.lines.iter().map(|(_, sku, q)| (sku.clone(), *q, Money::from_minor(0, currency))).collect();
                match self.place_replacement(actor, &order, lines, &claim.id).await {
                    Ok(o) => claim.reship_order_id = Some(o.id.to_string()),
                    Err(e) => claim.error = Some(e.to_string()),
                }
            }
        }
        if claim.error.is_some() {
            // Nothing was given: the units may be claimed again.
            claim.status = "failed".into();
        }
        let saved = claim.clone();
        self.store
            .write(move |tx| {
                tx.order_by_id(&saved.order_id)?;
                Ok::<_, AppError>(tx.update_order_record(&saved.to_record()?)?)
            })
            .await?;
        Ok(claim)
    }

    pub async fn order_claims(&self, actor: &Actor, order_id: &str) -> AppResult<Vec<Claim>> {
        require(actor, Action::ReadOrders)?;
        let (id, who) = (order_id.to_owned(), actor.clone());
        self.store
            .read(move |tx| {
                let order = order_for(tx, &who, &id)?;
                claims_of(tx, order.id.as_str())
            })
            .await
    }
}
