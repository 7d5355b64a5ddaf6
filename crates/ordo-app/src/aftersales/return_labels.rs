//! Prepaid return labels: the cheapest service from the customer's address to the receiving
//! location, bought through the same carrier integrations as outbound labels, and printed as
//! PDF or ZPL.

use ordo_domain::returns::ReturnStatus;
use ordo_domain::shipping::{Parcel, Quote, shop};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::aftersales::returns::{Return, ReturnLabel};
use crate::kernel::events::payloads::ReturnLabelPurchased;
use crate::kernel::events::{Event, emit};
use crate::kernel::guard::require;
use crate::kernel::idempotency::{IdemCtx, Outcome};
use crate::kernel::records::{OrderDocument, visible};
use crate::shipping::carriers::{Shipment, all_offers, buy_offer, load_carriers};
use crate::{Action, Actor, App, AppError, AppResult};

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnLabelInput {
    /// Where the parcel goes back to (a location code); default the location the order
    /// shipped from.
    #[schema(pattern = r"^[^\u0000]*$")]
    pub location: Option<String>,
}

impl App {
    /// Buys a prepaid return label, the cheapest service from the customer's address to the
    /// receiving location, through the same carrier integrations as outbound labels. A label
    /// already bought is answered without buying another; a keyed request that already
    /// finished is replayed before any carrier is asked.
    pub async fn buy_return_label(
        &self,
        actor: &Actor,
        return_id: &str,
        input: ReturnLabelInput,
        idem: Option<IdemCtx<Return>>,
    ) -> AppResult<Outcome<Return>> {
        require(actor, Action::ApproveReturns)?;
        let (id, who, now, asked) = (return_id.to_owned(), actor.clone(), self.now(), input.location.clone());
        let (ret, shipment, location, carriers) = self
            .store
            .read(move |tx| {
                let (ret, order) = visible::<Return>(tx, &who, &id)?;
                if !matches!(ret.status, ReturnStatus::Requested | ReturnStatus::Approved) {
                    return Err(AppError::InvalidTransition(format!("a {} return gets no label", ret.status)));
                }
                let from = order
                    .shipping_address
                    .clone()
                    .ok_or_else(|| AppError::InvalidTransition("the order has no address to collect from".into()))?;
                let code = match asked {
                    Some(code) => code,
                    None => tx
                        .fulfillments_for_order(order.id.as_str())?
                        .into_iter()
                        .find(|f| f.shipped_at.is_some())
                        .map(|f| f.location)
                        .ok_or_else(|| {
                            AppError::conflicting("location", "is required: nothing of the order shipped")
                        })?,
                };
                let location = tx
                    .location_by_code(&code)?
                    .ok_or_else(|| AppError::missing("location", "no location has this code"))?;
                let skus: Vec<&str> = ret.lines.iter().map(|l| l.sku.as_str()).collect();
                let products = tx.products_by_skus(&skus)?;
                let weight: i64 = ret
                    .lines
                    .iter()
                    .map(|l| {
                        products.iter().find(|p| p.sku == l.sku).and_then(|p| p.weight_grams).unwrap_or(0) * l.quantity
                    })
                    .sum();
                let shipment = Shipment {
                    from_name: from.name.clone().unwrap_or_else(|| order.email.clone()),
                    parcel: Parcel {
                        origin: crate::shipping::geo::locate(&from),
                        destination: location.latitude.zip(location.longitude),
                        destination_country: location.address.country.clone(),
                        destination_region: location.address.region.clone(),
                        weight_grams: weight.max(1),
                        now,
                    },
                    from,
                    to: location.address.clone(),
                };
                Ok((ret, shipment, location.code, load_carriers(tx)?))
            })
            .await?;
        if ret.label.is_some() {
            return self.answer_idem(idem, ret).await;
        }
        let offers = all_offers(self, &carriers, &shipment).await?;
        let quotes: Vec<Quote> = offers.iter().map(|o| o.quote.clone()).collect();
        let chosen = shop(&quotes, None, None)
            .map_err(|why| AppError::Conflict(format!("no return label can be bought: {why}")))?;
        if let Some(replay) = self.replay_of(idem.as_ref()).await? {
            return Ok(replay);
        }
        let purchase = buy_offer(self, &carriers, &offers, &chosen).await?;
        let label = ReturnLabel {
            carrier: chosen.carrier.clone(),
            service: chosen.service_name.clone(),
            tracking_number: purchase.tracking_number,
            location,
            price: chosen.price,
            currency: chosen.currency.clone(),
            weight_grams: shipment.parcel.weight_grams,
        };
        let (id, who) = (ret.id.clone(), actor.clone());
        self.write_idem(idem, move |tx, now| {
            let (mut ret, _) = visible::<Return>(tx, &who, &id)?;
            if ret.label.is_some() {
                return Err(AppError::Conflict("a label was bought for this return meanwhile".into()));
            }
            ret.label = Some(label.clone());
            ret.updated_at = now;
            tx.update_order_record(&ret.to_record()?)?;
            emit(
                tx,
                now,
                &ret.order_id,
                Event::ReturnLabelPurchased(ReturnLabelPurchased {
                    return_id: ret.id.clone(),
                    carrier: label.carrier.clone(),
                    tracking_number: label.tracking_number.clone(),
                    actor: who.key_id.clone(),
                    return_status: Some(ret.status.to_string()),
                }),
            )?;
            Ok(ret)
        })
        .await
    }

    /// A return's label, from the customer to the receiving location.
    pub async fn return_label(&self, actor: &Actor, return_id: &str) -> AppResult<crate::shipping::documents::Label> {
        require(actor, Action::ReadOrders)?;
        let (id, who) = (return_id.to_owned(), actor.clone());
        self.store
            .read(move |tx| {
                let (ret, order) = visible::<Return>(tx, &who, &id)?;
                let label = ret.label.ok_or(AppError::NotFound("return label"))?;
                let to = tx.location_by_code(&label.location)?.ok_or(AppError::NotFound("location"))?;
                let from = order.shipping_address.clone().unwrap_or_default();
                Ok(crate::shipping::documents::Label {
                    from_name: from.name.clone().unwrap_or_else(|| order.email.clone()),
                    from,
                    to: to.address,
                    carrier: label.carrier,
                    service: label.service,
                    weight_grams: label.weight_grams,
                    tracking_number: label.tracking_number,
                    order_number: order.number,
                })
            })
            .await
    }
}
