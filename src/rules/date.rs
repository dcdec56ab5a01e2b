//! Calendar dates as rule data writes them: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`. A partial date
//! compares as its first day when it starts something (`since`, `effective`) and as its last day
//! when it ends something (`until`, a waiver's expiry), so a vague date never widens a rule.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

impl Date {
    pub fn parse(s: &str) -> Option<Date> {
        let mut parts = s.trim().split('-');
        let year: u16 = parts.next().filter(|p| p.len() == 4)?.parse().ok()?;
        let month: Option<u8> = match parts.next() {
            None => None,
            Some(p) if p.len() == 2 => Some(p.parse().ok().filter(|m| (1..=12).contains(m))?),
            Some(_) => return None,
        };
        let day: Option<u8> = match parts.next() {
            None => None,
            Some(p) if p.len() == 2 => {
                let max = days_in_month(year, month?);
                Some(p.parse().ok().filter(|d| (1..=max).contains(d))?)
            }
            Some(_) => return None,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// The first day the date can mean, as (y, m, d).
    pub fn first_day(self) -> (u16, u8, u8) {
        (self.year, self.month.unwrap_or(1), self.day.unwrap_or(1))
    }

    /// The last day the date can mean, as (y, m, d).
    pub fn last_day(self) -> (u16, u8, u8) {
        let m = self.month.unwrap_or(12);
        (self.year, m, self.day.unwrap_or(days_in_month(self.year, m)))
    }

    /// Today in UTC, from the system clock.
    pub fn today() -> Date {
        Date::from_calendar(time::OffsetDateTime::now_utc().date())
    }

    fn from_calendar(d: time::Date) -> Date {
        Date {
            year: u16::try_from(d.year()).unwrap_or(0),
            month: Some(u8::from(d.month())),
            day: Some(d.day()),
        }
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    time::Month::try_from(month).map_or(31, |m| m.length(i32::from(year)))
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Date::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("`{s}` is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")))
    }
}

#[cfg(test)]
mod tests {
    use super::Date;

    #[test]
    fn parses_partial_dates() {
        assert_eq!(Date::parse("2020-11-17").unwrap().to_string(), "2020-11-17");
        assert_eq!(Date::parse("2021-11").unwrap().last_day(), (2021, 11, 30));
        assert_eq!(Date::parse("2023").unwrap().first_day(), (2023, 1, 1));
        assert_eq!(Date::parse("2024-02").unwrap().last_day(), (2024, 2, 29));
        for bad in ["", "20", "2020-13", "2020-02-30", "2020-1-01", "2020-01-01-01", "x"] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn civil_from_calendar() {
        let d = |days: i64| Date::from_calendar(time::Date::from_julian_day(2_440_588 + days as i32).unwrap());
        assert_eq!(d(0).to_string(), "1970-01-01");
        assert_eq!(d(20_785).to_string(), "2026-11-28");
        assert_eq!(d(11_016).to_string(), "2000-02-29");
    }
}
