//! What messages about a return carry: its prepaid label as a PDF attachment, and whether a
//! label bought later is told in a message of its own (after the approval) or with the
//! approval's (bought before it).

use crate::aftersales::returns::Return;
use crate::notify::messages::MessageKind;
use crate::ports::mail::Attachment;
use crate::{Actor, App, AppResult};

/// Whether a label's return was approved when the label was bought (its own message then);
/// a label bought before goes with the approval's message.
pub(crate) fn label_after_approval(tx: &mut dyn ordo_store::Tx, return_id: Option<&str>) -> AppResult<bool> {
    let Some(id) = return_id else { return Ok(false) };
    let ret = match tx.order_record(id)? {
        Some(r) => <Return as crate::kernel::records::OrderDocument>::from_record(&r)?,
        None => return Ok(false),
    };
    Ok(ret.status == ordo_domain::returns::ReturnStatus::Approved)
}

impl App {
    /// What a message carries besides its text: an approved return's prepaid label, as a
    /// PDF, when one was bought.
    pub(crate) async fn attachments(&self, kind: Option<MessageKind>, about: Option<&str>) -> Vec<Attachment> {
        let (Some(MessageKind::ReturnApproved | MessageKind::ReturnLabel), Some(ret)) = (kind, about) else {
            return Vec::new();
        };
        let Ok(label) = self.return_label(&Actor::system(), ret).await else { return Vec::new() };
        match crate::shipping::documents::label_pdf(&label) {
            Some(pdf) => vec![Attachment {
                filename: format!("return-label-{}.pdf", label.tracking_number),
                content_type: "application/pdf".into(),
                bytes: pdf,
            }],
            None => Vec::new(),
        }
    }
}
