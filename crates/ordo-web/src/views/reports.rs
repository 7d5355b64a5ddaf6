//! How the sales report looks on the wire.
//!
//! A view copies and formats; it decides nothing (no business rule here).

use serde::Serialize;
use utoipa::ToSchema;

use super::MoneyView;

/// Sales figures of a set of orders, in the report's currency.
#[derive(Debug, Serialize, ToSchema)]
pub struct FiguresView {
    pub orders: i64,
    /// Line prices before discount.
    pub subtotal: MoneyView,
    pub discount: MoneyView,
    pub shipping: MoneyView,
    pub tax: MoneyView,
    /// What the orders came to.
    pub total: MoneyView,
    /// Given back so far.
    pub refunded: MoneyView,
    /// Total less refunded.
    pub net: MoneyView,
}

impl FiguresView {
    fn new(f: &ordo_app::reports::sales::Figures, currency: &str) -> FiguresView {
        let m = |minor: i128| MoneyView::wide(minor, currency);
        FiguresView {
            orders: f.orders,
            subtotal: m(f.subtotal),
            discount: m(f.discount),
            shipping: m(f.shipping),
            tax: m(f.tax),
            total: m(f.total),
            refunded: m(f.refunded),
            net: m(f.total - f.refunded),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DayFiguresView {
    #[schema(example = "2026-11-27")]
    pub date: String,
    #[serde(flatten)]
    pub figures: FiguresView,
}

/// The orders placed in one currency: in that currency, and converted.
#[derive(Debug, Serialize, ToSchema)]
pub struct CurrencyFiguresView {
    pub currency: String,
    pub figures: FiguresView,
    /// Only the orders whose day had a rate.
    pub converted: FiguresView,
}

/// Orders of a day whose currency had no rate on or before it: not in the totals.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnconvertedView {
    pub currency: String,
    pub date: String,
    pub figures: FiguresView,
}

/// Sales of the orders placed in a span of days, every amount converted into one currency
/// at the rates of the order's day.
#[derive(Debug, Serialize, ToSchema)]
pub struct SalesReportView {
    pub currency: String,
    pub from: String,
    pub to: String,
    pub channel: Option<String>,
    /// Orders placed in the span and cancelled since; not in the figures.
    pub cancelled: i64,
    pub totals: FiguresView,
    /// Days with orders, oldest first.
    pub days: Vec<DayFiguresView>,
    pub by_currency: Vec<CurrencyFiguresView>,
    /// Orders whose day has no rate for their currency or the report's, or whose amounts no
    /// rate can bring into range, per currency and day, in their own currency.
    pub unconverted: Vec<UnconvertedView>,
}

impl From<&ordo_app::reports::sales::SalesReport> for SalesReportView {
    fn from(r: &ordo_app::reports::sales::SalesReport) -> Self {
        let c = r.currency.as_str();
        SalesReportView {
            currency: r.currency.clone(),
            from: r.from.clone(),
            to: r.to.clone(),
            channel: r.channel.clone(),
            cancelled: r.cancelled,
            totals: FiguresView::new(&r.totals, c),
            days: r
                .days
                .iter()
                .map(|(date, f)| DayFiguresView { date: date.clone(), figures: FiguresView::new(f, c) })
                .collect(),
            by_currency: r
                .by_currency
                .iter()
                .map(|l| CurrencyFiguresView {
                    currency: l.currency.clone(),
                    figures: FiguresView::new(&l.figures, &l.currency),
                    converted: FiguresView::new(&l.converted, c),
                })
                .collect(),
            unconverted: r
                .unconverted
                .iter()
                .map(|u| UnconvertedView {
                    currency: u.currency.clone(),
                    date: u.date.clone(),
                    figures: FiguresView::new(&u.figures, &u.currency),
                })
                .collect(),
        }
    }
}
