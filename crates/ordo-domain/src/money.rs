//! Money as integer minor units of an ISO 4217 currency; decimal strings exist only at the edge.
//!
//! Must not use floating point anywhere, and must never wrap on overflow.

use std::fmt;

/// An ISO 4217 currency with its number of minor-unit digits (its exponent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    code: &'static str,
    exponent: u8,
}

/// Active ISO 4217 currencies and their minor units, from the ISO 4217 list (List One)
/// maintained by SIX Group. Facts, not code: the table is the published standard.
pub const CURRENCIES: &[(&str, u8)] = &[
    ("AED", 2),
    ("AFN", 2),
    ("ALL", 2),
    ("AMD", 2),
    ("ANG", 2),
    ("AOA", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("AWG", 2),
    ("AZN", 2),
    ("BAM", 2),
    ("BBD", 2),
    ("BDT", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BIF", 0),
    ("BMD", 2),
    ("BND", 2),
    ("BOB", 2),
    ("BRL", 2),
    ("BSD", 2),
    ("BTN", 2),
    ("BWP", 2),
    ("BYN", 2),
    ("BZD", 2),
    ("CAD", 2),
    ("CDF", 2),
    ("CHF", 2),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("CRC", 2),
    ("CUP", 2),
    ("CVE", 2),
    ("CZK", 2),
    ("DJF", 0),
    ("DKK", 2),
    ("DOP", 2),
    ("DZD", 2),
    ("EGP", 2),
    ("ERN", 2),
    ("ETB", 2),
    ("EUR", 2),
    ("FJD", 2),
    ("FKP", 2),
    ("GBP", 2),
    ("GEL", 2),
    ("GHS", 2),
    ("GIP", 2),
    ("GMD", 2),
    ("GNF", 0),
    ("GTQ", 2),
    ("GYD", 2),
    ("HKD", 2),
    ("HNL", 2),
    ("HTG", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("IQD", 3),
    ("IRR", 2),
    ("ISK", 0),
    ("JMD", 2),
    ("JOD", 3),
    ("JPY", 0),
    ("KES", 2),
    ("KGS", 2),
    ("KHR", 2),
    ("KMF", 0),
    ("KPW", 2),
    ("KRW", 0),
    ("KWD", 3),
    ("KYD", 2),
    ("KZT", 2),
    ("LAK", 2),
    ("LBP", 2),
    ("LKR", 2),
    ("LRD", 2),
    ("LSL", 2),
    ("LYD", 3),
    ("MAD", 2),
    ("MDL", 2),
    ("MGA", 2),
    ("MKD", 2),
    ("MMK", 2),
    ("MNT", 2),
    ("MOP", 2),
    ("MRU", 2),
    ("MUR", 2),
    ("MVR", 2),
    ("MWK", 2),
    ("MXN", 2),
    ("MYR", 2),
    ("MZN", 2),
    ("NAD", 2),
    ("NGN", 2),
    ("NIO", 2),
    ("NOK", 2),
    ("NPR", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PAB", 2),
    ("PEN", 2),
    ("PGK", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("PYG", 0),
    ("QAR", 2),
    ("RON", 2),
    ("RSD", 2),
    ("RUB", 2),
    ("RWF", 0),
    ("SAR", 2),
    ("SBD", 2),
    ("SCR", 2),
    ("SDG", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("SHP", 2),
    ("SLE", 2),
    ("SOS", 2),
    ("SRD", 2),
    ("SSP", 2),
    ("STN", 2),
    ("SVC", 2),
    ("SYP", 2),
    ("SZL", 2),
    ("THB", 2),
    ("TJS", 2),
    ("TMT", 2),
    ("TND", 3),
    ("TOP", 2),
    ("TRY", 2),
    ("TTD", 2),
    ("TWD", 2),
    ("TZS", 2),
    ("UAH", 2),
    ("UGX", 0),
    ("USD", 2),
    ("UYU", 2),
    ("UYW", 4),
    ("UZS", 2),
    ("VES", 2),
    ("VND", 0),
    ("VUV", 0),
    ("WST", 2),
    ("XAF", 0),
    ("XCD", 2),
    ("XOF", 0),
    ("XPF", 0),
    ("YER", 2),
    ("ZAR", 2),
    ("ZMW", 2),
    ("ZWG", 2),
];

impl Currency {
    /// Looks a currency up by its three-letter code (upper case, as ISO 4217 writes it).
    pub fn from_code(code: &str) -> Option<Currency> {
        CURRENCIES
            .binary_search_by(|(c, _)| (*c).cmp(code))
            .ok()
            .map(|i| Currency { code: CURRENCIES[i].0, exponent: CURRENCIES[i].1 })
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn exponent(&self) -> u8 {
        self.exponent
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("unknown currency {0:?}")]
    UnknownCurrency(String),
    #[error("{0:?} is not a decimal amount")]
    Malformed(String),
    #[error("{currency} allows at most {exponent} decimal places")]
    TooManyDecimals { currency: &'static str, exponent: u8 },
    #[error("amount is out of range")]
    Overflow,
    #[error("cannot combine {0} with {1}")]
    CurrencyMismatch(&'static str, &'static str),
}

/// An amount of money: integer minor units of one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    pub fn from_minor(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    pub fn zero(currency: Currency) -> Money {
        Money { minor: 0, currency }
    }

    /// Parses a decimal string such as `"19.99"` in the currency's own precision.
    /// Accepts an optional leading `-`; rejects exponents, spaces, `+` and excess decimals.
    pub fn parse(amount: &str, currency: Currency) -> Result<Money, MoneyError> {
        let malformed = || MoneyError::Malformed(amount.to_owned());
        let (negative, digits) = match amount.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, amount),
        };
        let (int_part, frac_part) = match digits.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (digits, None),
        };
        if int_part.is_empty() || !int_part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed());
        }
        let frac = frac_part.unwrap_or("");
        if frac_part.is_some() && frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed());
        }
        // Trailing zeros beyond the currency's precision carry no value ("5.00" JPY is 5).
        let significant = frac.trim_end_matches('0');
        let exp = currency.exponent as usize;
        if significant.len() > exp {
            return Err(MoneyError::TooManyDecimals { currency: currency.code, exponent: currency.exponent });
        }
        let mut minor: i64 = 0;
        for b in int_part.bytes() {
            minor = minor.checked_mul(10).and_then(|m| m.checked_add((b - b'0') as i64)).ok_or(MoneyError::Overflow)?;
        }
        for i in 0..exp {
            let d = significant.as_bytes().get(i).map_or(0, |b| (b - b'0') as i64);
            minor = minor.checked_mul(10).and_then(|m| m.checked_add(d)).ok_or(MoneyError::Overflow)?;
        }
        // A sign on zero says nothing an amount could mean: "-0.00" is refused, not read as 0.
        if negative && minor == 0 {
            return Err(malformed());
        }
        Ok(Money { minor: if negative { -minor } else { minor }, currency })
    }

    /// Parses a decimal string as a platform writes it, rounding digits beyond the
    /// currency's precision half away from zero (`"12.345"` USD is 12.35, `"-0.125"` is
    /// -0.13); returns whether it rounded. Exponents, spaces and `+` are refused as in
    /// [`Money::parse`]; `"-0.00"` reads as zero.
    pub fn parse_rounding(amount: &str, currency: Currency) -> Result<(Money, bool), MoneyError> {
        let malformed = || MoneyError::Malformed(amount.to_owned());
        let (negative, digits) = match amount.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, amount),
        };
        let (int_part, frac) = match digits.split_once('.') {
            Some((_, "")) => return Err(malformed()),
            Some((i, f)) => (i, f),
            None => (digits, ""),
        };
        let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        if int_part.is_empty() || !all_digits(int_part) || !all_digits(frac) {
            return Err(malformed());
        }
        let (kept, rest) = frac.split_at((currency.exponent as usize).min(frac.len()));
        let exact = if kept.is_empty() { int_part.to_owned() } else { format!("{int_part}.{kept}") };
        let magnitude = Money::parse(&exact, currency)?.minor;
        let up = rest.as_bytes().first().is_some_and(|b| *b >= b'5');
        let magnitude = if up { magnitude.checked_add(1).ok_or(MoneyError::Overflow)? } else { magnitude };
        let rounded = rest.bytes().any(|b| b != b'0');
        Ok((Money { minor: if negative { -magnitude } else { magnitude }, currency }, rounded))
    }

    pub fn parse_with_code(amount: &str, code: &str) -> Result<Money, MoneyError> {
        let currency = Currency::from_code(code).ok_or_else(|| MoneyError::UnknownCurrency(code.to_owned()))?;
        Money::parse(amount, currency)
    }

    pub fn minor(&self) -> i64 {
        self.minor
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    pub fn is_negative(&self) -> bool {
        self.minor < 0
    }

    /// The amount as a decimal string with exactly the currency's number of decimals.
    pub fn amount_string(&self) -> String {
        format_minor(self.minor, self.currency.exponent)
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self.minor.checked_add(other.minor).ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, currency: self.currency })
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self.minor.checked_sub(other.minor).ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, currency: self.currency })
    }

    pub fn checked_mul(self, factor: i64) -> Result<Money, MoneyError> {
        let minor = self.minor.checked_mul(factor).ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, currency: self.currency })
    }

    fn same_currency(&self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(self.currency.code, other.currency.code))
        }
    }
}

/// Formats minor units as a decimal string with `exponent` decimals.
pub fn format_minor(minor: i64, exponent: u8) -> String {
    format_wide(minor.into(), exponent)
}

/// [`format_minor`] for sums held wider than one amount.
pub fn format_wide(minor: i128, exponent: u8) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    if exponent == 0 {
        return format!("{sign}{abs}");
    }
    let scale = 10u128.pow(exponent as u32);
    format!("{sign}{}.{:0width$}", abs / scale, abs % scale, width = exponent as usize)
}

/// Splits `total` minor units over `weights` in proportion, so that the parts always add up
/// to `total` exactly. Remainders go to the parts with the largest fractional share, ties to
/// the earliest part. All weights zero splits evenly.
pub fn allocate_proportionally(total: i64, weights: &[i64]) -> Vec<i64> {
    if weights.is_empty() {
        return Vec::new();
    }
    let all_zero = weights.iter().all(|w| *w == 0);
    let weights: Vec<i128> =
        if all_zero { vec![1; weights.len()] } else { weights.iter().map(|w| (*w).max(0) as i128).collect() };
    let sum: i128 = weights.iter().sum();
    let total128 = total as i128;
    let mut parts: Vec<i128> = weights.iter().map(|w| total128 * w / sum).collect();
    let mut remainder = total128 - parts.iter().sum::<i128>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    // Largest remainder first; for a negative total, the most negative remainder first.
    order.sort_by_key(|&i| std::cmp::Reverse((total128 * weights[i] % sum).abs()));
    let step = remainder.signum();
    let mut k = 0;
    while remainder != 0 {
        parts[order[k % order.len()]] += step;
        remainder -= step;
        k += 1;
    }
    parts.into_iter().map(|p| p as i64).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn platform_amounts_round_half_away_from_zero() {
        let usd = super::Currency::from_code("USD").unwrap();
        let jpy = super::Currency::from_code("JPY").unwrap();
        let read = |a: &str, c| super::Money::parse_rounding(a, c).map(|(m, r)| (m.minor(), r));
        assert_eq!(read("199.0000", usd), Ok((19900, false)), "BigCommerce's four decimals");
        assert_eq!(read("12.345", usd), Ok((1235, true)));
        assert_eq!(read("12.344999", usd), Ok((1234, true)));
        assert_eq!(read("-0.125", usd), Ok((-13, true)));
        assert_eq!(read("-0.00", usd), Ok((0, false)));
        assert_eq!(read("0.5", jpy), Ok((1, true)));
        assert_eq!(read("1500.00", jpy), Ok((1500, false)));
        assert_eq!(read("7", usd), Ok((700, false)));
        for bad in ["", "-", ".5", "1.", "1e3", "+1", " 1", "1.2.3", "１"] {
            assert!(read(bad, usd).is_err(), "{bad:?} is not an amount");
        }
        assert_eq!(read("92233720368547758.075", usd), Err(super::MoneyError::Overflow));
    }

    use super::*;
    use proptest::prelude::*;

    fn check(amount: &str, code: &str, expected: Result<i64, &str>) {
        let got = Money::parse_with_code(amount, code);
        match (got, expected) {
            (Ok(m), Ok(e)) => assert_eq!(m.minor(), e, "{amount} {code}"),
            (Err(_), Err(_)) => {}
            (got, expected) => panic!("{amount} {code}: got {got:?}, expected {expected:?}"),
        }
    }

    #[test]
    fn parsing_respects_each_currencys_minor_unit() {
        check("19.99", "USD", Ok(1999));
        check("19", "USD", Ok(1900));
        check("19.9", "USD", Ok(1990));
        check("0.01", "USD", Ok(1));
        check("1.999", "USD", Err("too many decimals"));
        check("5.5", "JPY", Err("too many decimals"));
        check("5", "JPY", Ok(5));
        check("5.00", "JPY", Ok(5));
        check("1.234", "KWD", Ok(1234));
        check("1.2345", "KWD", Err("too many decimals"));
        check("-3.10", "EUR", Ok(-310));
        check("1e3", "USD", Err("malformed"));
        check("", "USD", Err("malformed"));
        check(".5", "USD", Err("malformed"));
        check("5.", "USD", Err("malformed"));
        check("+5", "USD", Err("malformed"));
        check(" 5", "USD", Err("malformed"));
        check("99999999999999999999", "USD", Err("overflow"));
        check("1.00", "XXX", Err("unknown currency"));
        // Trailing zeros carry no value; a sign on zero is refused.
        check("12.0000000000", "USD", Ok(1200));
        check("-0.00", "USD", Err("malformed"));
        check("-0", "JPY", Err("malformed"));
    }

    #[test]
    fn currency_table_is_sorted_for_binary_search() {
        assert!(CURRENCIES.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(Currency::from_code("usd"), None);
    }

    #[test]
    fn formatting_uses_the_currencys_decimals() {
        let usd = Currency::from_code("USD").unwrap();
        let jpy = Currency::from_code("JPY").unwrap();
        let kwd = Currency::from_code("KWD").unwrap();
        assert_eq!(Money::from_minor(1999, usd).amount_string(), "19.99");
        assert_eq!(Money::from_minor(5, usd).amount_string(), "0.05");
        assert_eq!(Money::from_minor(-5, usd).amount_string(), "-0.05");
        assert_eq!(Money::from_minor(5, jpy).amount_string(), "5");
        assert_eq!(Money::from_minor(1234, kwd).amount_string(), "1.234");
    }

    #[test]
    fn mixing_currencies_is_an_error() {
        let usd = Money::from_minor(1, Currency::from_code("USD").unwrap());
        let eur = Money::from_minor(1, Currency::from_code("EUR").unwrap());
        assert_eq!(usd.checked_add(eur), Err(MoneyError::CurrencyMismatch("USD", "EUR")));
        assert_eq!(Money::from_minor(i64::MAX, usd.currency()).checked_add(usd), Err(MoneyError::Overflow));
    }

    #[test]
    fn proportional_split_examples() {
        assert_eq!(allocate_proportionally(100, &[1, 1, 1]), vec![34, 33, 33]);
        assert_eq!(allocate_proportionally(1000, &[500, 300, 200]), vec![500, 300, 200]);
        assert_eq!(allocate_proportionally(10, &[0, 0]), vec![5, 5]);
        assert_eq!(allocate_proportionally(-100, &[1, 1, 1]), vec![-34, -33, -33]);
    }

    proptest! {
        #[test]
        fn formatting_then_parsing_round_trips(minor in -1_000_000_000_000i64..1_000_000_000_000, idx in 0usize..CURRENCIES.len()) {
            let c = Currency::from_code(CURRENCIES[idx].0).unwrap();
            let m = Money::from_minor(minor, c);
            prop_assert_eq!(Money::parse(&m.amount_string(), c).unwrap(), m);
        }

        #[test]
        fn proportional_parts_always_add_up(total in -1_000_000_000i64..1_000_000_000, weights in proptest::collection::vec(0i64..1_000_000, 1..12)) {
            let parts = allocate_proportionally(total, &weights);
            prop_assert_eq!(parts.len(), weights.len());
            prop_assert_eq!(parts.iter().sum::<i64>(), total);
        }
    }
}
