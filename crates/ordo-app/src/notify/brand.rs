//! The look and sender of one channel's messages and pages: the channel's branding
//! (`channels::branding`), and Ordo's own mail settings for every part it leaves out.

use serde_json::json;

use crate::channels::branding::Branding;
use crate::notify::email::MailSettings;

/// How a message or page looks and whom a message is from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brand {
    pub name: String,
    pub logo_url: Option<String>,
    pub color: Option<String>,
    pub footer: Option<String>,
    pub from: String,
    pub reply_to: Option<String>,
}

impl Brand {
    /// A channel's branding over the mail settings.
    pub fn of(settings: &MailSettings, channel: &Branding) -> Brand {
        let or = |own: &Option<String>, default: &Option<String>| own.clone().or_else(|| default.clone());
        Brand {
            name: channel.store_name.clone().unwrap_or_else(|| settings.store_name.clone()),
            logo_url: or(&channel.logo_url, &settings.logo_url),
            color: or(&channel.color, &settings.color),
            footer: or(&channel.footer, &settings.footer),
            from: channel.from.clone().unwrap_or_else(|| settings.from.clone()),
            reply_to: or(&channel.reply_to, &settings.reply_to),
        }
    }

    /// The mail settings' own, for what belongs to no channel (the admins' messages, a
    /// customer's unsubscribe page).
    pub fn default_of(settings: &MailSettings) -> Brand {
        Brand::of(settings, &Branding::default())
    }

    /// As templates see it: `store`.
    pub fn store_json(&self) -> serde_json::Value {
        json!({"name": self.name, "logo_url": self.logo_url, "color": self.color, "footer": self.footer})
    }
}

/// What a public page is shown in: its store's look and the customer's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageLook {
    pub brand: Brand,
    pub language: String,
}
