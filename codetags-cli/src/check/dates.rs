//! Dates as pycodetags reads them: `datetime.strptime(text, "%Y-%m-%d")`.

use chrono::NaiveDate;

/// Reads `text` exactly as Python's `datetime.strptime(text, "%Y-%m-%d")` does (the issue
/// tracker's `parse_due_date`): four digits, `-`, a month of one or two digits, `-`, a day of
/// one or two digits (or a space and one digit), nothing after; the date must exist. `None`
/// when Python would raise.
///
/// ```
/// use chrono::NaiveDate;
/// use codetags_cli::check::dates::parse_ymd;
/// assert_eq!(parse_ymd("2025-07-04"), NaiveDate::from_ymd_opt(2025, 7, 4));
/// assert_eq!(parse_ymd("2025-7-4"), NaiveDate::from_ymd_opt(2025, 7, 4));
/// assert_eq!(parse_ymd("2025-02-30"), None);
/// assert_eq!(parse_ymd("2025-07-04T10:00"), None);
/// assert_eq!(parse_ymd("next week"), None);
/// ```
pub fn parse_ymd(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    if bytes.len() < 8 || !bytes[..4].iter().all(u8::is_ascii_digit) || bytes[4] != b'-' {
        return None;
    }
    let year = number(&bytes[..4]);
    let (month, rest) = month(&bytes[5..])?;
    let rest = rest.strip_prefix(b"-")?;
    let (day, rest) = day(rest)?;
    if !rest.is_empty() || year == 0 {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

fn number(digits: &[u8]) -> u32 {
    digits
        .iter()
        .fold(0, |n, d| n * 10 + u32::from(d.wrapping_sub(b'0')))
}

/// `1[0-2]|0[1-9]|[1-9]`, first alternative that matches (Python's regex does not backtrack
/// into the alternation to make the rest match).
fn month(s: &[u8]) -> Option<(u32, &[u8])> {
    match s {
        [b'1', d @ b'0'..=b'2', rest @ ..] => Some((10 + u32::from(d - b'0'), rest)),
        [b'0', d @ b'1'..=b'9', rest @ ..] => Some((u32::from(d - b'0'), rest)),
        [d @ b'1'..=b'9', rest @ ..] => Some((u32::from(d - b'0'), rest)),
        _ => None,
    }
}

/// `3[01]|[12]\d|0[1-9]|[1-9]| [1-9]`, first alternative that matches.
fn day(s: &[u8]) -> Option<(u32, &[u8])> {
    match s {
        [b'3', d @ b'0'..=b'1', rest @ ..] => Some((30 + u32::from(d - b'0'), rest)),
        [t @ b'1'..=b'2', d @ b'0'..=b'9', rest @ ..] => {
            Some((u32::from(t - b'0') * 10 + u32::from(d - b'0'), rest))
        }
        [b'0', d @ b'1'..=b'9', rest @ ..] => Some((u32::from(d - b'0'), rest)),
        [d @ b'1'..=b'9', rest @ ..] => Some((u32::from(d - b'0'), rest)),
        [b' ', d @ b'1'..=b'9', rest @ ..] => Some((u32::from(d - b'0'), rest)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    /// Each answer is CPython 3.11's `datetime.strptime(text, "%Y-%m-%d")` (None: ValueError).
    #[test]
    fn agrees_with_python_strptime() {
        let cases: &[(&str, Option<NaiveDate>)] = &[
            ("2025-01-31", ymd(2025, 1, 31)),
            ("2025-1-3", ymd(2025, 1, 3)),
            ("2025-10-5", ymd(2025, 10, 5)),
            ("2025-07- 4", ymd(2025, 7, 4)),
            ("2024-02-29", ymd(2024, 2, 29)),
            ("2023-02-29", None),
            ("2025-13-01", None),
            ("2025-00-10", None),
            ("2025-01-00", None),
            ("2025-01-32", None),
            ("2025-01-310", None),
            ("0000-01-01", None),
            ("25-01-01", None),
            ("2025/01/01", None),
            (" 2025-01-01", None),
            ("2025-01-01 ", None),
            ("", None),
            ("2025-1-", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_ymd(text), *expected, "{text:?}");
        }
    }
}
