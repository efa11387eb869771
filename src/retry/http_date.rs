//! HTTP-date parsing (RFC 9110 §5.6.7): IMF-fixdate and the two obsolete forms
//! recipients must accept (RFC 850 and asctime).

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const SHORT_DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const LONG_DAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// Unix seconds of an HTTP-date, or `None`. `now` resolves RFC 850's two-digit years.
pub fn parse(text: &str, now: i64) -> Option<i64> {
    imf_fixdate(text).or_else(|| rfc850(text, now)).or_else(|| asctime(text))
}

/// `Sun, 06 Nov 1994 08:49:37 GMT`
fn imf_fixdate(text: &str) -> Option<i64> {
    let (day_name, rest) = text.split_once(", ")?;
    SHORT_DAYS.contains(&day_name).then_some(())?;
    let parts: Vec<&str> = rest.split(' ').collect();
    let [day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    (day.len() == 2 && year.len() == 4).then_some(())?;
    to_unix(number(year)?, month_index(month)?, number(day)?, time)
}

/// `Sunday, 06-Nov-94 08:49:37 GMT`
fn rfc850(text: &str, now: i64) -> Option<i64> {
    let (day_name, rest) = text.split_once(", ")?;
    LONG_DAYS.contains(&day_name).then_some(())?;
    let parts: Vec<&str> = rest.split(' ').collect();
    let [date, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let dmy: Vec<&str> = date.split('-').collect();
    let [day, month, year] = dmy.as_slice() else {
        return None;
    };
    (day.len() == 2 && year.len() == 2).then_some(())?;
    // RFC 9110: a two-digit year more than 50 years in the future means the most
    // recent past year with those digits.
    let this_year = civil_from_days(now.div_euclid(86_400)).0;
    let mut full_year = this_year - this_year.rem_euclid(100) + number(year)?;
    if full_year > this_year + 50 {
        full_year -= 100;
    }
    to_unix(full_year, month_index(month)?, number(day)?, time)
}

/// `Sun Nov  6 08:49:37 1994`
fn asctime(text: &str) -> Option<i64> {
    let day_name = text.get(0..3)?;
    SHORT_DAYS.contains(&day_name).then_some(())?;
    let rest = text.get(3..)?.strip_prefix(' ')?;
    let month = rest.get(0..3)?;
    let rest = rest.get(3..)?.strip_prefix(' ')?;
    let day = rest.get(0..2)?;
    let rest = rest.get(2..)?.strip_prefix(' ')?;
    let (time, year) = rest.split_once(' ')?;
    (year.len() == 4).then_some(())?;
    let day = day.strip_prefix(' ').unwrap_or(day);
    to_unix(number(year)?, month_index(month)?, number(day)?, time)
}

fn number(text: &str) -> Option<i64> {
    (!text.is_empty() && text.len() <= 4 && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.parse().ok())?
}

fn month_index(name: &str) -> Option<i64> {
    MONTHS.iter().position(|m| *m == name).map(|i| i as i64 + 1)
}

fn to_unix(year: i64, month: i64, day: i64, time: &str) -> Option<i64> {
    let hms: Vec<&str> = time.split(':').collect();
    let [h, m, s] = hms.as_slice() else {
        return None;
    };
    (h.len() == 2 && m.len() == 2 && s.len() == 2).then_some(())?;
    let (h, m, s) = (number(h)?, number(m)?, number(s)?);
    let days_in_month = match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    ((1..=days_in_month).contains(&day) && h < 24 && m < 60 && s <= 60).then_some(())?;
    Some(days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + s)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (if month <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOV_6_1994: i64 = 784_111_777;

    #[test]
    fn parses_the_three_forms_of_rfc_9110() {
        assert_eq!(parse("Sun, 06 Nov 1994 08:49:37 GMT", 0), Some(NOV_6_1994));
        assert_eq!(parse("Sunday, 06-Nov-94 08:49:37 GMT", NOV_6_1994), Some(NOV_6_1994));
        assert_eq!(parse("Sun Nov  6 08:49:37 1994", 0), Some(NOV_6_1994));
        assert_eq!(parse("Thu, 01 Jan 1970 00:00:00 GMT", 0), Some(0));
        assert_eq!(parse("Tue, 29 Feb 2028 12:00:00 GMT", 0), Some(1_835_438_400));
    }

    #[test]
    fn rfc850_two_digit_years_resolve_near_now() {
        let now_2026 = 1_795_000_000;
        assert_eq!(parse("Thursday, 01-Jan-70 00:00:00 GMT", now_2026), Some(days_from_civil(2070, 1, 1) * 86_400));
        assert_eq!(parse("Thursday, 01-Jan-80 00:00:00 GMT", now_2026), Some(days_from_civil(1980, 1, 1) * 86_400));
    }

    #[test]
    fn refuses_garbage() {
        for bad in [
            "",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun, 31 Feb 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Funday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov 6 08:49:37 1994",
            "1994-11-06T08:49:37Z",
            "Sun, 06 Nov 1994 08:49:37 GMT trailing",
            "Sun, 06 Xyz 1994 08:49:37 GMT",
        ] {
            assert_eq!(parse(bad, 0), None, "{bad:?}");
        }
    }

    #[test]
    fn civil_round_trip() {
        for days in [-1_000_000, -1, 0, 1, 10_957, 20_000, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
