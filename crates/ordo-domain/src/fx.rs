//! Exchange rates as dated data, and conversions in integer arithmetic.
//!
//! Rates are quoted against one base currency (the European Central Bank's reference rates
//! are per euro): `1 base = rate × currency`. A rate is a decimal kept as an integer mantissa
//! and a scale; a conversion rounds once, half away from zero, to the target's minor unit.

use crate::money::{Currency, Money, MoneyError};

/// The base every stored rate is quoted against, as the ECB quotes them.
pub const BASE: &str = "EUR";

/// A positive decimal: `mantissa × 10^-scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub mantissa: i128,
    pub scale: u32,
}

impl Rate {
    /// Parses `"1.0512"`; refuses zero, negatives, exponents and more than 12 decimals.
    pub fn parse(s: &str) -> Option<Rate> {
        let s = s.trim();
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if frac.len() > 12 || int.len() > 12 {
            return None;
        }
        let mantissa: i128 = format!("{int}{frac}").parse().ok()?;
        (mantissa > 0).then_some(Rate { mantissa, scale: frac.len() as u32 })
    }

    pub fn to_decimal_string(&self) -> String {
        let digits = self.mantissa.to_string();
        let scale = self.scale as usize;
        if scale == 0 {
            return digits;
        }
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (i, f) = padded.split_at(padded.len() - scale);
        format!("{i}.{f}")
    }
}

/// Converts `amount` into `to`, given both currencies' rates against the same base.
pub fn convert(amount: Money, from_rate: Rate, to: Currency, to_rate: Rate) -> Result<Money, MoneyError> {
    convert_decimal(amount.minor(), amount.currency().exponent() as u32, from_rate, to, to_rate)
}

/// Converts `mantissa × 10^-scale` units of a currency into `to`, rounded once to `to`'s minor
/// unit, given both currencies' rates against the same base.
pub fn convert_decimal(
    mantissa: i64,
    scale: u32,
    from_rate: Rate,
    to: Currency,
    to_rate: Rate,
) -> Result<Money, MoneyError> {
    // amount_to = amount_from × to_rate / from_rate, with the exponents applied:
    // minor_to = mantissa × 10^(e_to - scale) × to_rate / from_rate.
    let e_from = scale as i32;
    let e_to = to.exponent() as i32;
    let mut num: i128 = (mantissa as i128).checked_mul(to_rate.mantissa).ok_or(MoneyError::Overflow)?;
    let mut den: i128 = from_rate.mantissa;
    // Rates' scales: to_rate = m_t / 10^s_t, from_rate = m_f / 10^s_f.
    let shift = (e_to - e_from) + from_rate.scale as i32 - to_rate.scale as i32;
    if shift >= 0 {
        num = num
            .checked_mul(10i128.checked_pow(shift as u32).ok_or(MoneyError::Overflow)?)
            .ok_or(MoneyError::Overflow)?;
    } else {
        den = den
            .checked_mul(10i128.checked_pow((-shift) as u32).ok_or(MoneyError::Overflow)?)
            .ok_or(MoneyError::Overflow)?;
    }
    let q = num / den;
    let r = num % den;
    // Half away from zero.
    let rounded = if (r.abs() * 2) >= den { q + num.signum() } else { q };
    let minor = i64::try_from(rounded).map_err(|_| MoneyError::Overflow)?;
    Ok(Money::from_minor(minor, to))
}

/// An amount to convert: up to `whole` significant digits before the point and 4 significant
/// decimals, as `(mantissa, scale)`; trailing zeros carry no value.
pub fn parse_amount(s: &str, whole: usize) -> Option<(i64, u32)> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !all_digits(int) || !all_digits(frac) || (s.contains('.') && frac.is_empty()) {
        return None;
    }
    let frac = frac.trim_end_matches('0');
    let int = int.trim_start_matches('0');
    if int.len() > whole || frac.len() > 4 {
        return None;
    }
    Some((format!("{int}{frac}").parse::<i64>().unwrap_or(0), frac.len() as u32))
}

/// One day's rates parsed from the European Central Bank's reference-rate CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct DayRates {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub rates: Vec<(String, Rate)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct CsvError {
    pub line: usize,
    pub message: String,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `2026-11-27` or the daily file's `27 November 2026`, as `YYYY-MM-DD`: a day that exists.
fn parse_date(s: &str) -> Option<String> {
    let s = s.trim();
    let bytes = s.as_bytes();
    let (year, month, day) = if s.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && s.bytes().enumerate().all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit())
    {
        (s[..4].parse::<u32>().ok()?, s[5..7].parse::<u32>().ok()?, s[8..].parse::<u32>().ok()?)
    } else {
        let mut parts = s.split_whitespace();
        let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || !day.bytes().chain(year.bytes()).all(|b| b.is_ascii_digit()) || year.len() != 4 {
            return None;
        }
        let month = MONTHS.iter().position(|m| *m == month)? as u32 + 1;
        (year.parse().ok()?, month, day.parse().ok()?)
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (year >= 1 && (1..=days).contains(&day)).then(|| format!("{year:04}-{month:02}-{day:02}"))
}

/// Parses the ECB's CSV (the daily `eurofxref.csv` or the history `eurofxref-hist.csv`):
/// a header `Date, USD, JPY, ...`, then one row per day. `N/A` and empty cells are skipped;
/// currencies Ordo does not know are skipped too. Every bad line is reported.
pub fn parse_ecb_csv(text: &str) -> Result<Vec<DayRates>, Vec<CsvError>> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(vec![CsvError { line: 1, message: "the file is empty".into() }]);
    };
    let columns: Vec<String> = header.split(',').map(|c| c.trim().to_owned()).collect();
    if columns.first().map(String::as_str) != Some("Date") {
        return Err(vec![CsvError { line: 1, message: "the header must start with Date".into() }]);
    }
    let mut days = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in lines {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let Some(date) = cells.first().and_then(|d| parse_date(d)) else {
            errors.push(CsvError { line: i + 1, message: format!("{:?} is not a date", cells.first().unwrap_or(&"")) });
            continue;
        };
        let mut rates = Vec::new();
        for (c, cell) in columns.iter().zip(cells.iter()).skip(1) {
            if c.is_empty() || cell.is_empty() || *cell == "N/A" || Currency::from_code(c).is_none() {
                continue;
            }
            match Rate::parse(cell) {
                Some(r) => rates.push((c.clone(), r)),
                None => errors.push(CsvError { line: i + 1, message: format!("{c}: {cell:?} is not a rate") }),
            }
        }
        days.push(DayRates { date, rates });
    }
    if errors.is_empty() { Ok(days) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(a: &str, c: &str) -> Money {
        Money::parse_with_code(a, c).unwrap()
    }

    #[test]
    fn conversions_round_once_to_the_target_minor_unit() {
        let usd = Rate::parse("1.0512").unwrap();
        let jpy = Rate::parse("160.23").unwrap();
        let eur = Rate::parse("1").unwrap();
        let kwd = Rate::parse("0.32415").unwrap();
        let c = |m: Money, from: Rate, to: &str, to_rate: Rate| {
            convert(m, from, Currency::from_code(to).unwrap(), to_rate).unwrap().amount_string()
        };
        assert_eq!(c(money("105.12", "USD"), usd, "EUR", eur), "100.00");
        assert_eq!(c(money("100.00", "EUR"), eur, "JPY", jpy), "16023");
        assert_eq!(c(money("1", "JPY"), jpy, "EUR", eur), "0.01");
        assert_eq!(c(money("10.00", "USD"), usd, "KWD", kwd), "3.084");
        assert_eq!(c(money("-10.00", "USD"), usd, "EUR", eur), "-9.51");
        assert_eq!(Rate::parse("1.0512").unwrap().to_decimal_string(), "1.0512");
        assert_eq!(Rate::parse("0.0005").unwrap().to_decimal_string(), "0.0005");
        for bad in ["0", "-1.2", "1e3", "", "N/A", "1.2.3"] {
            assert_eq!(Rate::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_ecb_daily_and_history_files_are_read() {
        let daily = "Date, USD, JPY, BGN, CYP, \n27 November 2026, 1.0512, 160.23, 1.9558, N/A, \n";
        let days = parse_ecb_csv(daily).unwrap();
        assert_eq!(days[0].date, "2026-11-27");
        let codes: Vec<&str> = days[0].rates.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(codes, ["USD", "JPY", "BGN"]);
        for bad in ["2026-02-30", "2026-13-01", "2026-00-10", "31 April 2026", "1 Smarch 2026", "+5 May 2026"] {
            assert!(parse_ecb_csv(&format!("Date, USD\n{bad}, 1.05\n")).is_err(), "{bad}");
        }
        assert!(parse_ecb_csv("Date, USD\n29 February 2024, 1.05\n").is_ok());
        assert!(parse_ecb_csv("Date, USD\n2100-02-29, 1.05\n").is_err(), "2100 is not a leap year");
        let hist = "Date,USD,JPY,\n2026-11-27,1.0512,160.23,\n2026-11-26,1.0498,159.80,\n";
        assert_eq!(parse_ecb_csv(hist).unwrap().len(), 2);
        let bad = "Date,USD\nyesterday,1.0\n2026-11-26,abc\n";
        let errors = parse_ecb_csv(bad).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), [2, 3]);
        assert!(parse_ecb_csv("").is_err());
    }
}
