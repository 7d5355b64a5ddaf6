//! Ordo's use cases: the one way in for every action, shared by the HTTP API, the CLI and
//! background work.
//!
//! A use case validates its input, then runs one closure in a store transaction that checks
//! the rules against current state, changes it and writes the outbox event, all or nothing.
//! Invariant: no HTTP types here, and no business rule anywhere else.

pub mod aftersales;
pub mod channels;
pub mod intake;
pub mod kernel;
pub mod money;
pub mod notify;
pub mod ports;
pub mod reports;
pub mod sales;
pub mod shipping;
pub mod stock;

use std::sync::Arc;

pub use kernel::access::{Action, Actor, Role};
pub use kernel::error::AppError;
pub use ordo_store::Store;

pub type AppResult<T> = Result<T, AppError>;

/// The source of "now"; tests pass a fixed or stepping clock.
pub trait Clock: Send + Sync {
    /// Unix time in milliseconds.
    fn now_ms(&self) -> i64;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
    }
}

/// 128 random bits from a cryptographically secure generator per thread (ChaCha, seeded and
/// reseeded from the operating system), for ids and secrets.
pub fn random_u128() -> u128 {
    rand::random()
}

/// Everything a use case needs: storage, the clock, and the outside systems it may reach
/// through the ports (wired by the binary from configuration).
#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    /// The card gateway, when one is configured (Stripe).
    pub gateway: Option<Arc<dyn ports::payment::PaymentGateway>>,
    /// The carrier adapters, by the kind of carrier each serves.
    pub carriers: ports::carrier::CarrierGateways,
    /// The sales channel adapters, by the kind of channel each serves.
    pub channels: ports::channel::SalesChannels,
    /// The background workers this process runs, and what they did.
    pub workers: kernel::worker::Workers,
    /// What each role may give in one goodwill refund or credit grant.
    pub limits: kernel::access::Limits,
    /// Where outbound connections may go (carriers, gateways, channels).
    pub targets: ports::target::TargetPolicy,
    /// Where outbound webhooks may go (the same, or private targets for webhooks alone).
    pub webhook_targets: ports::target::TargetPolicy,
    /// Card payments of one order, one at a time on this node.
    pub(crate) card_locks: kernel::guard::OrderLocks,
    /// Channel settings as webhooks read them, a second at most.
    pub(crate) channel_cache: channels::settings::SettingsCache,
    /// What sends outbound webhooks, when one is wired (the connectors' HTTP sender).
    pub webhook_sender: Option<Arc<dyn ports::webhook::WebhookSender>>,
    /// How outbound webhooks are retried.
    pub webhook_policy: notify::delivery::DeliveryPolicy,
    /// What hands customer email to a mail server, when one is wired (the connectors' SMTP).
    pub mailer: Option<Arc<dyn ports::mail::MailSender>>,
    /// Who customer email is from, and the store's branding.
    pub mail: Arc<notify::email::MailSettings>,
    /// The customer email templates (a merchant's folder first, then Ordo's own).
    pub templates: Arc<notify::templates::Templates>,
    /// How customer email is retried.
    pub mail_policy: notify::email::MailPolicy,
    /// What sends text messages to customers who asked for them, when one is wired (Twilio).
    pub sms: Option<Arc<dyn ports::sms::SmsSender>>,
    /// Where the workers that tell others run (webhook delivery, customer messages) when the
    /// binary gives them a runtime of their own at the lowest CPU priority, so that telling
    /// never takes the machine from capture; without one they run beside everything else.
    pub background: Option<tokio::runtime::Handle>,
}

impl App {
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> App {
        App {
            store,
            clock,
            gateway: None,
            carriers: Default::default(),
            channels: Default::default(),
            workers: Default::default(),
            limits: Default::default(),
            targets: Default::default(),
            webhook_targets: Default::default(),
            card_locks: Default::default(),
            channel_cache: Default::default(),
            webhook_sender: None,
            webhook_policy: Default::default(),
            mailer: None,
            mail: Default::default(),
            templates: Default::default(),
            mail_policy: Default::default(),
            sms: None,
            background: None,
        }
    }

    pub fn with_gateway(mut self, gateway: Arc<dyn ports::payment::PaymentGateway>) -> App {
        self.gateway = Some(gateway);
        self
    }

    /// Adds (or replaces) the adapter for one kind of carrier.
    pub fn with_carrier(mut self, gateway: Arc<dyn ports::carrier::CarrierGateway>) -> App {
        self.carriers.add(gateway);
        self
    }

    /// Adds (or replaces) the adapter for one kind of sales channel.
    pub fn with_channel(mut self, adapter: Arc<dyn ports::channel::SalesChannel>) -> App {
        self.channels.add(adapter);
        self
    }

    /// Sends outbound webhooks through `sender`.
    pub fn with_webhook_sender(mut self, sender: Arc<dyn ports::webhook::WebhookSender>) -> App {
        self.webhook_sender = Some(sender);
        self
    }

    /// Sends customer email through `mailer`, from `settings`.
    pub fn with_mailer(
        mut self,
        mailer: Arc<dyn ports::mail::MailSender>,
        settings: notify::email::MailSettings,
    ) -> App {
        self.mailer = Some(mailer);
        self.mail = Arc::new(settings);
        self
    }

    /// Sends text messages through `sender` to customers who asked for them.
    pub fn with_sms(mut self, sender: Arc<dyn ports::sms::SmsSender>) -> App {
        self.sms = Some(sender);
        self
    }

    /// The card gateway, or 501: cards are not set up.
    pub(crate) fn card_gateway(&self) -> AppResult<Arc<dyn ports::payment::PaymentGateway>> {
        self.gateway
            .clone()
            .ok_or_else(|| AppError::NotImplemented("card payments need Stripe to be configured".into()))
    }

    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }
}

/// Limits on list pages, as the API promises.
pub const DEFAULT_PAGE: usize = 50;
pub const MAX_PAGE: usize = 200;

pub fn page_limit(limit: Option<usize>) -> usize {
    limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE)
}
