//! Claims for deliveries that went wrong (`missing` or `damaged` units): resolved without a
//! return, by a refund of the units' value or by reshipping them free of charge in a
//! replacement order. A line's units can be claimed or returned once in all.

use ordo_domain::Money;
use ordo_domain::returns::{ClaimKind, ClaimResolution, ClaimStatus};
use ordo_domain::status::Lifecycle;
use ordo_domain::validate::Errors;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::aftersales::units::OrderUnits;
use crate::kernel::events::payloads::ClaimCreated;
use crate::kernel::events::{Event, emit};
use crate::kernel::guard::require;
use crate::kernel::guard::visible_order;
use crate::kernel::idempotency::{IdemCtx, Outcome};
use crate::kernel::records::{OrderDocument, documents_of, order_document};
use crate::{Action, Actor, App, AppError, AppResult, random_u128};

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimInput {
    /// `missing` or `damaged`.
    #[serde(rename = "type")]
    #[schema(required = true, example = "missing", value_type = Option<crate::kernel::schema::ClaimKind>)]
    pub kind: Option<String>,
    #[schema(required = true, min_items = 1, max_items = 500)]
    pub lines: Option<Vec<ClaimLineInput>>,
    /// `refund` or `reship`.
    #[schema(required = true, example = "reship", value_type = Option<crate::kernel::schema::ClaimResolution>)]
    pub resolution: Option<String>,
    #[schema(max_length = 2000, pattern = r"^[^\u0000]*$")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimLineInput {
    #[schema(
        required = true,
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub line_id: Option<String>,
    #[schema(required = true, minimum = 1, minimum = 1, maximum = 1000000)]
    pub quantity: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub id: String,
    pub order_id: String,
    pub kind: ClaimKind,
    /// (line id, SKU, units).
    pub lines: Vec<(String, String, i64)>,
    pub resolution: ClaimResolution,
    /// `resolved`, or `failed` (see `error`; nothing was refunded or reshipped).
    pub status: ClaimStatus,
    pub refund_id: Option<String>,
    pub reship_order_id: Option<String>,
    pub error: Option<String>,
    pub note: Option<String>,
    pub actor: String,
    pub at: i64,
}

order_document!(Claim, "claim", |c| status c.status.as_str(), created c.at, updated c.at);

impl App {
    /// Files a claim and resolves it. With an idempotency key the claim is recorded with its
    /// answer, and the answer is brought up to date once it is refunded or reshipped.
    pub async fn file_claim(
        &self,
        actor: &Actor,
        order_id: &str,
        input: ClaimInput,
        idem: Option<IdemCtx<Claim>>,
    ) -> AppResult<Outcome<Claim>> {
        require(actor, Action::Refund)?;
        let mut e = Errors::new();
        let kind: Option<ClaimKind> = e.choice("type", input.kind.as_deref());
        let resolution: Option<ClaimResolution> = e.choice("resolution", input.resolution.as_deref());
        let mut lines: Vec<(String, i64)> = Vec::new();
        match &input.lines {
            Some(l) if !l.is_empty() && l.len() <= 500 => {
                for (i, line) in l.iter().enumerate() {
                    let id = e.text(&format!("lines/{i}/line_id"), line.line_id.as_deref(), 64);
                    if let (Some(id), Some(q)) = (id, e.quantity(&format!("lines/{i}/quantity"), line.quantity, 1)) {
                        // A line listed twice is claimed for both quantities.
                        match lines.iter_mut().find(|(x, _)| *x == id) {
                            Some(listed) => listed.1 += q,
                            None => lines.push((id, q)),
                        }
                    }
                }
            }
            _ => e.add("lines", "must list 1 to 500 lines"),
        }
        let note = e.optional_text("note", input.note.as_deref(), 2000);
        let (kind, resolution) = e.finish((kind, resolution))?;
        let (kind, resolution) = (kind.expect("checked"), resolution.expect("checked"));
        let (id, who) = (order_id.to_owned(), actor.clone());
        // Checked and recorded first, so two claims for the same units cannot both pass.
        let first = match self
            .write_idem(idem.clone(), move |tx, now| {
                let order = visible_order(tx, &who, &id)?;
                let units = OrderUnits::of(tx, &order)?;
                if !units.any_shipped() {
                    return Err(AppError::InvalidTransition("nothing of this order has shipped".into()));
                }
                let mut e = Errors::new();
                let mut out = Vec::new();
                for (i, (line_id, q)) in lines.iter().enumerate() {
                    let Some(line) = order.lines.iter().find(|l| l.id.as_str() == line_id) else {
                        e.missing(format!("lines/{i}/line_id"), "is not a line of this order");
                        continue;
                    };
                    if let Err(why) = units.line(line_id).check(*q) {
                        e.conflicting(format!("lines/{i}/quantity"), why);
                        continue;
                    }
                    out.push((line_id.clone(), line.sku.clone(), *q));
                }
                e.finish(())?;
                let claim = Claim {
                    id: format!("clm_{}", ordo_domain::id::encode(now as u64, random_u128())),
                    order_id: order.id.to_string(),
                    kind,
                    lines: out,
                    resolution,
                    status: ClaimStatus::Resolved,
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
                    order.id.as_str(),
                    Event::ClaimCreated(ClaimCreated {
                        order_id: order.id.to_string(),
                        claim_id: claim.id.clone(),
                        kind: kind.to_string(),
                        resolution: resolution.to_string(),
                        actor: who.key_id.clone(),
                    }),
                )?;
                Ok(claim)
            })
            .await?
        {
            Outcome::Fresh(claim) => claim,
            replay => return Ok(replay),
        };
        let mut claim = first.clone();
        match claim.resolution {
            ClaimResolution::Refund => {
                let req = crate::money::refunds::Request {
                    lines: claim.lines.iter().map(|(l, _, q)| (l.clone(), *q)).collect(),
                    reason: Some(format!("claim {} ({})", claim.id, claim.kind)),
                    ..Default::default()
                };
                match self.create_refund(actor, &claim.order_id, req, None, None).await.and_then(Outcome::into_fresh) {
                    Ok(r) => claim.refund_id = Some(r.id),
                    Err(e) => claim.error = Some(e.to_string()),
                }
            }
            ClaimResolution::Reship => {
                let oid = claim.order_id.clone();
                let order = self.store.read(move |tx| tx.order_by_id(&oid)?.ok_or(AppError::NotFound("order"))).await?;
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
            claim.status = claim.status.become_(ClaimStatus::Failed).map_err(|e| AppError::Internal(e.to_string()))?;
        }
        let saved = claim.clone();
        self.store
            .write(move |tx| {
                tx.order_by_id(&saved.order_id)?;
                Ok::<_, AppError>(tx.update_order_record(&saved.to_record()?)?)
            })
            .await?;
        self.idem_refresh(idem.as_ref(), &first, &claim).await?;
        Ok(Outcome::Fresh(claim))
    }

    pub async fn order_claims(&self, actor: &Actor, order_id: &str) -> AppResult<Vec<Claim>> {
        require(actor, Action::ReadOrders)?;
        let (id, who) = (order_id.to_owned(), actor.clone());
        self.store
            .read(move |tx| {
                let order = visible_order(tx, &who, &id)?;
                documents_of(tx, order.id.as_str())
            })
            .await
    }
}
