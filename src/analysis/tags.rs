//! pprof's tag filters (`-tagfocus`, `-tagignore`), with the meanings of
//! google/pprof's `compileTagFilter` and `parseTagFilterRange`
//! (internal/driver/driver_focus.go) and the unit scaling of its
//! `measurement.Scale`:
//!
//! - `key=value` tests only the labels named `key`; a bare value tests all;
//! - a value that reads as a range (`64kb`, `64kb:`, `:64kb`, `1kb:1mb`)
//!   tests numeric labels, scaled into the range's unit: a label matches
//!   only if it scales into that very unit (pprof knows byte, time and GCU
//!   units: `kb` works, `KiB` or no unit at all never matches a `bytes`
//!   label, exactly as in pprof);
//! - any other value is regular expressions separated by commas, tested
//!   against string labels: with a key, any value of that label matching
//!   any of them; without, each of them matching some `key:value` of the
//!   sample.

use crate::model::{Label, Profile, StrId};
use crate::{Error, Result};
use regex_lite::Regex;
use rustc_hash::FxHashMap;

/// One of pprof's unit families: (canonical name, aliases, factor).
struct UnitType {
    units: &'static [(&'static str, &'static [&'static str], f64)],
    default: (&'static str, f64),
}

const UNIT_TYPES: [UnitType; 3] = [
    UnitType {
        units: &[
            ("B", &["b", "byte"], 1.0),
            ("kB", &["kb", "kbyte", "kilobyte"], (1u64 << 10) as f64),
            ("MB", &["mb", "mbyte", "megabyte"], (1u64 << 20) as f64),
            ("GB", &["gb", "gbyte", "gigabyte"], (1u64 << 30) as f64),
            ("TB", &["tb", "tbyte", "terabyte"], (1u64 << 40) as f64),
            ("PB", &["pb", "pbyte", "petabyte"], (1u64 << 50) as f64),
        ],
        default: ("B", 1.0),
    },
    UnitType {
        units: &[
            ("ns", &["ns", "nanosecond"], 1.0),
            ("us", &["μs", "us", "microsecond"], 1e3),
            ("ms", &["ms", "millisecond"], 1e6),
            ("s", &["s", "sec", "second"], 1e9),
            ("hrs", &["hour", "hr"], 3600e9),
        ],
        default: ("s", 1e9),
    },
    UnitType {
        units: &[
            ("n*GCU", &["nanogcu"], 1e-9),
            ("u*GCU", &["microgcu"], 1e-6),
            ("m*GCU", &["milligcu"], 1e-3),
            ("GCU", &["gcu"], 1.0),
            ("k*GCU", &["kilogcu"], 1e3),
            ("M*GCU", &["megagcu"], 1e6),
            ("G*GCU", &["gigagcu"], 1e9),
            ("T*GCU", &["teragcu"], 1e12),
            ("P*GCU", &["petagcu"], 1e15),
        ],
        default: ("GCU", 1.0),
    },
];

impl UnitType {
    /// pprof's `sniffUnit`: lower case, a plural `s` dropped past 2 letters.
    fn sniff(&self, unit: &str) -> Option<(&'static str, f64)> {
        let lower = unit.to_lowercase();
        let u = if lower.chars().count() > 2 { lower.strip_suffix('s').unwrap_or(&lower) } else { &lower };
        self.units.iter().find(|(_, aliases, _)| aliases.contains(&u)).map(|&(name, _, f)| (name, f))
    }

    fn convert(&self, value: i64, from: &str, to: &str) -> Option<(f64, &'static str)> {
        let (_, ff) = self.sniff(from)?;
        let v = value as f64 * ff;
        if to == "minimum" || to == "auto" {
            let mut best: Option<(&'static str, f64)> = None;
            for &(name, _, f) in self.units {
                if f >= best.map_or(0.0, |b| b.1) && v / f >= 1.0 {
                    best = Some((name, f));
                }
            }
            return Some(match best {
                Some((name, f)) => (v / f, name),
                None => (v / self.default.1, self.default.0),
            });
        }
        Some(match self.sniff(to) {
            Some((name, f)) => (v / f, name),
            None => (v / self.default.1, self.default.0),
        })
    }
}

/// pprof's `measurement.Scale`: `value` in `from` units expressed in `to`
/// units, and the unit it came out in.
pub fn scale(value: i64, from: &str, to: &str) -> (f64, String) {
    if value < 0 && value != i64::MIN {
        let (v, u) = scale(-value, from, to);
        return (-v, u);
    }
    for ut in &UNIT_TYPES {
        if let Some((v, u)) = ut.convert(value, from, to) {
            return (v, u.to_string());
        }
    }
    match to {
        "count" | "sample" | "unit" | "minimum" | "auto" => (value as f64, String::new()),
        _ => (value as f64, to.to_string()),
    }
}

/// A numeric range as pprof parses it.
#[derive(Debug, Clone)]
struct Range {
    lo: Option<f64>,
    hi: Option<f64>,
    unit: String,
}

impl Range {
    fn matches(&self, v: i64, unit: &str) -> bool {
        let (sv, su) = scale(v, unit, &self.unit);
        su == self.unit && self.lo.is_none_or(|lo| sv >= lo) && self.hi.is_none_or(|hi| sv <= hi)
    }
}

/// pprof's `tagFilterRangeRx` (`([+-]?[[:digit:]]+)([[:alpha:]]+)?`): the
/// first two matches as (whole, number, unit).
fn range_tokens(s: &str) -> Vec<(&str, &str, &str)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() && out.len() < 2 {
        let start = i;
        let mut j = i;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        let digits = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j == digits {
            i += 1;
            continue;
        }
        let num_end = j;
        while j < b.len() && b[j].is_ascii_alphabetic() {
            j += 1;
        }
        out.push((&s[start..j], &s[start..num_end], &s[num_end..j]));
        i = j;
    }
    out
}

/// pprof's `parseTagFilterRange`: `None` when the text is not a range (it
/// is then regular expressions).
fn parse_range(filter: &str) -> Option<Range> {
    let t = range_tokens(filter);
    let (whole, num, unit) = *t.first()?;
    let v: i64 = num.parse().ok()?;
    let (sv, unit) = scale(v, unit, unit);
    if t.len() == 1 {
        return if filter == whole {
            Some(Range { lo: Some(sv), hi: Some(sv), unit })
        } else if filter == format!("{whole}:") {
            Some(Range { lo: Some(sv), hi: None, unit })
        } else if filter == format!(":{whole}") {
            Some(Range { lo: None, hi: Some(sv), unit })
        } else {
            None
        };
    }
    let (whole2, num2, unit2) = t[1];
    if filter != format!("{whole}:{whole2}") {
        return None;
    }
    let (sv2, u2) = scale(num2.parse().ok()?, unit2, &unit);
    if u2 != unit {
        return None;
    }
    Some(Range { lo: Some(sv), hi: Some(sv2), unit })
}

/// A compiled `-tagfocus` or `-tagignore` value.
#[derive(Debug, Clone)]
pub struct TagFilter {
    key: Option<String>,
    range: Option<Range>,
    rxs: Vec<Regex>,
}

impl TagFilter {
    /// `option` names the option in errors (`tagfocus`, `tagignore`).
    pub fn parse(option: &'static str, value: &str) -> Result<Option<Self>> {
        if value.is_empty() {
            return Ok(None);
        }
        let (key, value) = match value.split_once('=') {
            Some((k, v)) => (Some(k.to_string()), v),
            None => (None, value),
        };
        if let Some(range) = parse_range(value) {
            return Ok(Some(TagFilter { key, range: Some(range), rxs: Vec::new() }));
        }
        let rxs = value
            .split(',')
            .map(|r| Regex::new(r).map_err(|e| Error::BadRegex { option, detail: e.to_string() }))
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(TagFilter { key, range: None, rxs }))
    }

    /// Whether sample `labels` match, numeric labels' units given by `units`.
    pub fn matches(&self, p: &Profile, labels: &[Label], units: &NumUnits) -> bool {
        let s = |id: StrId| p.strings.get(id);
        if let Some(r) = &self.range {
            return labels.iter().filter(|l| is_numeric(l)).any(|l| {
                let key = s(l.key);
                self.key.as_deref().is_none_or(|k| k == key) && r.matches(l.num, units.of(key))
            });
        }
        let strings = labels.iter().filter(|l| is_string(l));
        match &self.key {
            Some(k) => {
                strings.filter(|l| s(l.key) == k.as_str()).any(|l| self.rxs.iter().any(|rx| rx.is_match(s(l.str))))
            }
            None => self.rxs.iter().all(|rx| {
                labels.iter().filter(|l| is_string(l)).any(|l| rx.is_match(&format!("{}:{}", s(l.key), s(l.str))))
            }),
        }
    }
}

/// A label as pprof reads it: a string label if it has a string value,
/// else numeric if it has a number or a unit (else pprof drops it).
pub fn is_string(l: &Label) -> bool {
    l.str != StrId(0)
}
pub fn is_numeric(l: &Label) -> bool {
    l.str == StrId(0) && (l.num != 0 || l.unit != StrId(0))
}

/// The unit of each numeric label key, as pprof's `NumLabelUnits` decides
/// it: the first unit any sample gives it, else `bytes` for `alignment`
/// and `request`, else the key itself (so Go's `bytes` label is in bytes).
pub struct NumUnits(FxHashMap<String, String>);

impl NumUnits {
    pub fn of_profile(p: &Profile) -> Self {
        let mut m: FxHashMap<String, String> = FxHashMap::default();
        let mut seen: Vec<String> = Vec::new();
        for i in 0..p.samples.len() {
            for l in p.samples.labels_of(i).iter().filter(|l| is_numeric(l)) {
                let key = p.strings.get(l.key);
                let unit = p.strings.get(l.unit);
                if !m.contains_key(key) && !seen.iter().any(|k| k == key) {
                    seen.push(key.to_string());
                }
                if !unit.is_empty() && !m.contains_key(key) {
                    m.insert(key.to_string(), unit.to_string());
                }
            }
        }
        for key in seen {
            let unit = match key.as_str() {
                "alignment" | "request" => "bytes".to_string(),
                _ => key.clone(),
            };
            m.entry(key).or_insert(unit);
        }
        NumUnits(m)
    }

    /// The unit of numeric label `key` (empty for a key no sample has).
    pub fn of(&self, key: &str) -> &str {
        self.0.get(key).map_or("", |u| u.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_as_pprof() {
        assert_eq!(scale(2048, "bytes", "kb"), (2.0, "kB".to_string()));
        assert_eq!(scale(64, "kb", "kb"), (64.0, "kB".to_string()));
        assert_eq!(scale(64, "", ""), (64.0, String::new()));
        assert_eq!(scale(64, "bytes", ""), (64.0, "B".to_string()));
        assert_eq!(scale(64, "KiB", "KiB"), (64.0, "KiB".to_string()));
        assert_eq!(scale(1500, "ms", "s"), (1.5, "s".to_string()));
    }

    #[test]
    fn ranges_as_pprof() {
        let r = parse_range("1kb:1mb").unwrap();
        assert!(r.matches(1024, "bytes") && r.matches(1 << 20, "bytes") && !r.matches(1023, "bytes"));
        assert!(parse_range("64kb:").unwrap().matches(1 << 20, "bytes"));
        assert!(parse_range(":512b").unwrap().matches(512, "bytes"));
        assert!(!parse_range("16:64").unwrap().matches(32, "bytes"), "no unit never matches bytes");
        assert!(parse_range("main.f1").is_none() && parse_range("phase").is_none());
        assert!(parse_range("1kb:1ms").is_none(), "units of two kinds");
    }
}
