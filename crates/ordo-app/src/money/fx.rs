//! Exchange rates as dated data (loaded through the API or from the European Central Bank's
//! reference-rate CSV), and conversions at the rate of a given day.

use std::collections::BTreeMap;

use ordo_domain::Money;
use ordo_domain::fx::{Rate, parse_ecb_csv};
use ordo_domain::money::Currency;
use ordo_domain::validate::Errors;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::kernel::events::payloads::RatesUpdated;
use crate::kernel::events::{Event, emit};
use crate::kernel::guard::require;
use crate::kernel::idempotency::{IdemCtx, Outcome};
use crate::{Action, Actor, App, AppError, AppResult};

pub use ordo_domain::fx::BASE;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatesInput {
    /// `YYYY-MM-DD`.
    #[schema(required = true, example = "2026-11-27", format = Date)]
    pub date: Option<String>,
    /// The currency the rates are quoted against; `EUR`.
    #[schema(required = true, example = "EUR", value_type = Option<crate::kernel::schema::BaseCurrency>)]
    pub base: Option<String>,
    /// Units of each currency per one unit of the base, as decimal strings above zero.
    #[schema(required = true, value_type = Option<crate::kernel::schema::Rates>)]
    pub rates: Option<BTreeMap<String, String>>,
}

/// One day's rates as stored: (currency, date, rate).
pub type DayRates = Vec<(String, String, Rate)>;

pub(crate) use crate::kernel::rates::RateBook;

fn valid_date(s: &str) -> bool {
    crate::kernel::time_fmt::parse_rfc3339(&format!("{s}T00:00:00Z")).is_some() && s.len() == 10
}

impl App {
    pub async fn put_rates(
        &self,
        actor: &Actor,
        input: RatesInput,
        idem: Option<IdemCtx<usize>>,
    ) -> AppResult<Outcome<usize>> {
        require(actor, Action::Configure)?;
        let mut e = Errors::new();
        let date = e.text("date", input.date.as_deref(), 10);
        if date.as_deref().is_some_and(|d| !valid_date(d)) {
            e.add("date", "must be a date, YYYY-MM-DD");
        }
        if input.base.as_deref() != Some(BASE) {
            e.add("base", "must be EUR, the base rates are quoted against");
        }
        let mut rates = Vec::new();
        match &input.rates {
            None => e.add("rates", "is required"),
            Some(map) => {
                for (code, value) in map {
                    if Currency::from_code(code).is_none() {
                        e.add(format!("rates/{code}"), "is not an ISO 4217 currency code");
                    } else if let Some(r) = Rate::parse(value).filter(|_| value.trim() == value) {
                        rates.push((code.clone(), r));
                    } else {
                        e.add(format!("rates/{code}"), "must be a positive decimal such as \"1.0512\"");
                    }
                }
            }
        }
        let date = e.finish(date)?.expect("checked");
        self.store_days(vec![(date, rates)], idem).await
    }

    /// Imports the ECB's CSV (daily or history): every day or nothing.
    pub async fn import_ecb(
        &self,
        actor: &Actor,
        csv: &str,
        idem: Option<IdemCtx<usize>>,
    ) -> AppResult<Outcome<usize>> {
        require(actor, Action::Configure)?;
        let days = parse_ecb_csv(csv).map_err(|errors| {
            AppError::Validation(
                errors
                    .into_iter()
                    .map(|e| ordo_domain::validate::FieldError {
                        field: format!("line {}", e.line),
                        message: e.message,
                        kind: Default::default(),
                    })
                    .collect(),
            )
        })?;
        self.store_days(days.into_iter().map(|d| (d.date, d.rates)).collect(), idem).await
    }

    async fn store_days(
        &self,
        days: Vec<(String, Vec<(String, Rate)>)>,
        idem: Option<IdemCtx<usize>>,
    ) -> AppResult<Outcome<usize>> {
        self.write_idem(idem, move |tx, now| {
            let mut n = 0;
            for (date, rates) in &days {
                for (code, rate) in rates {
                    tx.put_exchange_rate(date, code, BASE, &rate.to_decimal_string())?;
                    n += 1;
                }
            }
            let dates: Vec<String> = days.iter().map(|(d, _)| d.clone()).collect();
            emit(tx, now, BASE, Event::ExchangeRatesUpdated(RatesUpdated { dates, rates: n }))?;
            Ok(n)
        })
        .await
    }

    /// The latest rate of each currency on or before `date`.
    pub async fn rates_on(&self, actor: &Actor, date: &str) -> AppResult<DayRates> {
        require(actor, Action::ReadCatalog)?;
        if !valid_date(date) {
            return Err(AppError::field("date", "must be a date, YYYY-MM-DD"));
        }
        let date = date.to_owned();
        let rows = self.store.read(move |tx| Ok::<_, AppError>(tx.exchange_rates_on(&date)?)).await?;
        Ok(rows.into_iter().filter_map(|(c, d, _, r)| Some((c, d, Rate::parse(&r)?))).collect())
    }

    /// Converts an amount given as text (`"19.99"`, `"USD"`) into `to` at the rates of
    /// `date` (the latest on or before it; today when absent). The amount may carry up to 4
    /// decimals whatever its currency: the result is rounded once, to `to`'s minor unit.
    pub async fn convert(
        &self,
        actor: &Actor,
        amount: &str,
        currency: &str,
        to: &str,
        date: Option<String>,
    ) -> AppResult<Money> {
        require(actor, Action::ReadCatalog)?;
        let mut e = ordo_domain::validate::Errors::new();
        let parsed = ordo_domain::fx::parse_amount(amount, crate::kernel::schema::AMOUNT_DIGITS);
        if parsed.is_none() {
            e.add("amount", "must be a decimal amount such as \"19.99\", up to 9999999999.9999");
        }
        let from = Currency::from_code(currency);
        if from.is_none() {
            e.add("currency", "is not an ISO 4217 currency code");
        }
        let to = Currency::from_code(to);
        if to.is_none() {
            e.add("to", "is not an ISO 4217 currency code");
        }
        let date = date.unwrap_or_else(|| crate::kernel::time_fmt::day(self.now()));
        if !valid_date(&date) {
            e.add("date", "must be a date, YYYY-MM-DD");
        }
        let (parsed, from, to) = e.finish((parsed, from, to))?;
        let ((mantissa, scale), from, to) = (parsed.expect("checked"), from.expect("checked"), to.expect("checked"));
        let date = date.as_str();
        let rates = self.rates_on(actor, date).await?;
        let rate_of = |c: Currency| -> AppResult<Rate> {
            if c.code() == BASE {
                return Ok(Rate { mantissa: 1, scale: 0 });
            }
            rates.iter().find(|(code, _, _)| code == c.code()).map(|(_, _, r)| *r).ok_or_else(|| AppError::Refused {
                code: "no_exchange_rate",
                message: format!("no {} rate on or before {date}", c.code()),
            })
        };
        ordo_domain::fx::convert_decimal(mantissa, scale, rate_of(from)?, to, rate_of(to)?)
            .map_err(|_| AppError::conflicting("amount", "the converted amount is out of range"))
    }
}
