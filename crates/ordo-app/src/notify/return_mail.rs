//! What messages about a return carry: its prepaid label as a PDF attachment (with the
//! approval's message, or a message of its own for a label bought after the approval).

use crate::notify::messages::MessageKind;
use crate::ports::mail::Attachment;
use crate::{Actor, App};

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
