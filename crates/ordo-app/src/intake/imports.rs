//! A channel's import log (every payload it sent, read, retried once fixed, or dismissed) and
//! its SKU mapping table (platform variant, product or SKU → Ordo SKU).

use ordo_domain::channel::ImportStatus;
use ordo_store::{ChannelImportRecord, ImportFilter, Page, SkuMappingRecord};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::channels::settings::{settings_of, valid_channel};
use crate::intake::webhooks::Receipt;
use crate::kernel::guard::require;
use crate::kernel::idempotency::{IdemCtx, Outcome};
use crate::{Action, Actor, App, AppError, AppResult};

/// One import log entry. `payload` is absent in lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelImport {
    pub id: String,
    pub channel: String,
    pub delivery_id: Option<String>,
    pub external_id: Option<String>,
    pub topic: String,
    pub status: ImportStatus,
    pub reason: Option<String>,
    pub order_id: Option<String>,
    pub payload: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ChannelImport {
    fn of(r: ChannelImportRecord, with_payload: bool) -> ChannelImport {
        ChannelImport {
            status: ImportStatus::parse(&r.status).unwrap_or(ImportStatus::Parked),
            payload: with_payload.then_some(r.payload),
            id: r.id,
            channel: r.channel,
            delivery_id: r.delivery_id,
            external_id: r.external_id,
            topic: r.topic,
            reason: r.reason,
            order_id: r.order_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// Which Ordo SKU a platform's variant, product or SKU stands for.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkuMappingInput {
    /// An Ordo product's SKU.
    #[schema(
        required = true,
        example = "IPOD-NANO-PINK",
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\u0000]*[^\t\n\u000b\u000c\r \u001c-\u001f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0000][^\u0000]*$"
    )]
    pub sku: Option<String>,
}

fn channel_visible(actor: &Actor, channel: &str) -> AppResult<()> {
    if !valid_channel(channel) || !actor.sees_channel(channel) {
        return Err(AppError::NotFound("channel"));
    }
    Ok(())
}

fn check_external(external: &str) -> AppResult<()> {
    if external.is_empty() || external.chars().count() > 255 || external.contains('\0') {
        return Err(AppError::field("external", "must be 1 to 255 characters"));
    }
    Ok(())
}

impl App {
    /// `filter.status`, when given, must name an import status (else a validation error).
    pub async fn channel_imports(
        &self,
        actor: &Actor,
        channel: &str,
        page: Page<String>,
        mut filter: ImportFilter,
    ) -> AppResult<Vec<ChannelImport>> {
        require(actor, Action::ReadOrders)?;
        channel_visible(actor, channel)?;
        let mut e = ordo_domain::validate::Errors::new();
        let status: Option<ImportStatus> = e.optional_choice("status", filter.status.as_deref());
        e.finish(())?;
        filter.status = status.map(|s| s.as_str().to_owned());
        let channel = channel.to_owned();
        let rows =
            self.store.read(move |tx| Ok::<_, AppError>(tx.list_channel_imports(&channel, &page, &filter)?)).await?;
        Ok(rows.into_iter().map(|r| ChannelImport::of(r, false)).collect())
    }

    /// One entry with the payload exactly as the platform sent it.
    pub async fn channel_import(&self, actor: &Actor, channel: &str, id: &str) -> AppResult<ChannelImport> {
        require(actor, Action::ReadOrders)?;
        channel_visible(actor, channel)?;
        let (channel, id) = (channel.to_owned(), id.to_owned());
        let row = self.store.read(move |tx| Ok::<_, AppError>(tx.channel_import(&channel, &id)?)).await?;
        row.map(|r| ChannelImport::of(r, true)).ok_or(AppError::NotFound("import"))
    }

    /// Applies a parked payload again, after what parked it was fixed (a mapping added, a
    /// product created, stock received).
    pub async fn retry_import(
        &self,
        actor: &Actor,
        channel: &str,
        id: &str,
        idem: Option<IdemCtx<Receipt>>,
    ) -> AppResult<Outcome<Receipt>> {
        require(actor, Action::WriteOrders)?;
        channel_visible(actor, channel)?;
        let (name, id) = (channel.to_owned(), id.to_owned());
        let (settings, record) = self
            .store
            .read(move |tx| Ok::<_, AppError>((settings_of(tx, &name)?, tx.channel_import(&name, &id)?)))
            .await?;
        let record = record.ok_or(AppError::NotFound("import"))?;
        if !ImportStatus::parse(&record.status).is_some_and(ImportStatus::can_retry) {
            return Err(AppError::InvalidTransition(format!(
                "only a parked import can be retried; this one is {}",
                record.status
            )));
        }
        let receipt = self.retake(&settings, record).await?;
        self.answer_idem(idem, receipt).await
    }

    /// Sets a parked payload aside for good.
    pub async fn dismiss_import(
        &self,
        actor: &Actor,
        channel: &str,
        id: &str,
        idem: Option<IdemCtx<ChannelImport>>,
    ) -> AppResult<Outcome<ChannelImport>> {
        require(actor, Action::WriteOrders)?;
        channel_visible(actor, channel)?;
        let (channel, id) = (channel.to_owned(), id.to_owned());
        self.write_idem(idem, move |tx, now| {
            let mut r = tx.channel_import(&channel, &id)?.ok_or(AppError::NotFound("import"))?;
            if !ImportStatus::parse(&r.status).is_some_and(ImportStatus::can_retry) {
                return Err(AppError::InvalidTransition(format!(
                    "only a parked import can be dismissed; this one is {}",
                    r.status
                )));
            }
            r.status = ImportStatus::Dismissed.as_str().to_owned();
            r.updated_at = now;
            tx.update_channel_import(&r)?;
            Ok(ChannelImport::of(r, false))
        })
        .await
    }

    pub async fn put_sku_mapping(
        &self,
        actor: &Actor,
        channel: &str,
        external: &str,
        input: SkuMappingInput,
    ) -> AppResult<SkuMappingRecord> {
        require(actor, Action::Configure)?;
        channel_visible(actor, channel)?;
        check_external(external)?;
        let mut e = ordo_domain::validate::Errors::new();
        let sku = e.text("sku", input.sku.as_deref(), 64);
        e.finish(())?;
        let record = SkuMappingRecord {
            channel: channel.to_owned(),
            external: external.to_owned(),
            sku: sku.expect("checked"),
            updated_at: self.now(),
        };
        self.store
            .write(move |tx| {
                if tx.product_by_sku(&record.sku)?.is_none() {
                    return Err(AppError::missing("sku", "no product has this SKU"));
                }
                tx.put_sku_mapping(&record)?;
                Ok(record.clone())
            })
            .await
    }

    pub async fn sku_mappings(
        &self,
        actor: &Actor,
        channel: &str,
        page: Page<String>,
    ) -> AppResult<Vec<SkuMappingRecord>> {
        require(actor, Action::ReadCatalog)?;
        channel_visible(actor, channel)?;
        let channel = channel.to_owned();
        self.store.read(move |tx| Ok::<_, AppError>(tx.list_sku_mappings(&channel, &page)?)).await
    }

    pub async fn delete_sku_mapping(&self, actor: &Actor, channel: &str, external: &str) -> AppResult<()> {
        require(actor, Action::Configure)?;
        channel_visible(actor, channel)?;
        let (channel, external) = (channel.to_owned(), external.to_owned());
        self.store
            .write(move |tx| match tx.delete_sku_mapping(&channel, &external)? {
                true => Ok(()),
                false => Err(AppError::NotFound("mapping")),
            })
            .await
    }
}
