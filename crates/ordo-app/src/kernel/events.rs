//! The transactional outbox: every state change appends its event in the same transaction.

use ordo_domain::id::EventId;
use ordo_store::{EventFilter, EventRecord, NewEvent, Page, Tx};

use crate::{Action, Actor, App, AppError, AppResult, random_u128};

/// Appends an event; `data` is the event's JSON payload.
pub fn emit(tx: &mut dyn Tx, now: i64, event_type: &str, subject: &str, data: &serde_json::Value) -> AppResult<()> {
    let id = EventId::generate(now as u64, random_u128());
    let data = data.to_string();
    tx.append_event(&NewEvent { id: id.as_str(), event_type, subject, at: now, data: &data })?;
    Ok(())
}

impl App {
    /// Events in commit order, after the cursor.
    pub async fn list_events(
        &self,
        actor: &Actor,
        page: Page<i64>,
        filter: EventFilter,
    ) -> AppResult<Vec<EventRecord>> {
        if !actor.can(Action::ReadEvents) {
            return Err(AppError::Forbidden("this key may not read events".into()));
        }
        self.store.read(move |tx| Ok(tx.list_events(&page, &filter)?)).await
    }
}
