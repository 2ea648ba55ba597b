//! pprof's `-tags` report (google/pprof internal/report/report.go,
//! `printTags`): for every label key of the samples, each value with the
//! weight of the samples carrying it, and the key's total.
//!
//! As pprof computes it: a sample adds its value (of the sample type asked
//! for) to every (key, value) it carries, and to the key's total once per
//! value (so a sample with two values of one key counts twice there);
//! numeric labels are grouped by their value as pprof prints it
//! (`measurement.ScaledLabel` in the key's unit, `NumLabelUnits`, into the
//! `-unit` asked for: `64kB`, `1.50kB`); keys are sorted by name, values by
//! |weight| descending, then name. Samples of weight 0 still name their
//! labels (a value of weight 0 is listed). pprof runs this on the samples
//! its filters kept, with percentages of the total before filtering, which
//! is what [`crate::Session::total`] gives a filtered session.
//!
//! Each value also carries the `-tagfocus` expression that keeps exactly
//! its samples (the page's label panel sets it): `key=^value$` (the value
//! as a literal regular expression) for a string label, the range of the
//! raw values grouped under the printed one for a numeric label
//! (`bytes=1536b:1540b`).

use super::tags::{is_numeric, is_string, scale, NumUnits};
use crate::model::Profile;
use crate::report::Tags;
use rustc_hash::FxHashMap;

/// One value of a label key: as pprof prints it, its weight, and the
/// tagfocus filter keeping its samples (None when there is no exact one:
/// a key with `=` in it, or string and numeric values printed alike).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TagValue {
    pub value: String,
    pub weight: i64,
    pub focus: Option<String>,
}

/// One label key: its total (the weights of its values summed) and values.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TagKey {
    pub key: String,
    pub total: i64,
    pub values: Vec<TagValue>,
}

/// What a printed value stands for, to give its focus.
#[derive(Default)]
struct Seen {
    weight: i64,
    string: bool,
    /// The raw numeric values printed so (smallest, largest).
    num: Option<(i64, i64)>,
}

/// pprof's `measurement.ScaledLabel`: `value` in `from` units, printed in
/// `to` (`minimum`/`auto`: the largest unit it is at least 1 of).
pub fn scaled_label(value: i64, from: &str, to: &str) -> String {
    let (v, u) = scale(value, from, to);
    let s = format!("{v:.2}");
    let s = s.strip_suffix(".00").unwrap_or(&s);
    if s == "0" || s == "-0" {
        return "0".to_string();
    }
    format!("{s}{u}")
}

/// pprof's `measurement.Percentage`: `%5.2f%%`, `%5.2g%%` under 1 %, and
/// `  100%` within 0.05 of it.
pub fn percentage(value: i64, total: i64) -> String {
    let ratio = if total != 0 { (value as f64 / total as f64).abs() * 100.0 } else { 0.0 };
    if (99.95..=100.05).contains(&ratio) {
        "  100%".to_string()
    } else if ratio >= 1.0 {
        format!("{ratio:5.2}%")
    } else {
        format!("{:>5}%", go_g2(ratio))
    }
}

/// Go's `%.2g` of a finite `x` in [0, 1) (strconv's 'g' with precision 2:
/// two significant digits, trailing zeros dropped, `e-05` below 1e-4).
fn go_g2(x: f64) -> String {
    if x == 0.0 {
        return "0".to_string();
    }
    // Rust rounds to 2 significant digits exactly as strconv does.
    let e = format!("{x:.1e}");
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let nd = digits.len() as i32;
    let dp = exp + 1;
    let eprec = if 2 > nd && nd >= dp { nd } else { 2 };
    if exp < -4 || exp >= eprec {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() { String::new() } else { format!(".{rest}") };
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{first}{frac}e{sign}{:02}", exp.abs());
    }
    let prec = if 2 > dp { nd } else { 2 };
    format!("{x:.*}", (prec - dp).max(0) as usize)
}

/// The smallest unit of a numeric label's unit family as a tagfocus range
/// writes it, and how many of it one `unit` is: `b` for byte units, `ns`
/// for time, `""` (unscaled) for units pprof does not know; None for GCU
/// (whose smallest unit is not a whole fraction of the others).
fn range_unit(unit: &str) -> Option<(&'static str, i64)> {
    let base = match scale(1, unit, "minimum").1.as_str() {
        "B" | "kB" | "MB" | "GB" | "TB" | "PB" => "b",
        "ns" | "us" | "ms" | "s" | "hrs" => "ns",
        "" => return Some(("", 1)),
        _ => return None,
    };
    Some((base, scale(1, unit, base).0 as i64))
}

/// The tagfocus expression keeping exactly the samples of one printed
/// value of `key` (whose numeric labels are in `unit`).
fn focus(key: &str, value: &str, seen: &Seen, unit: &str) -> Option<String> {
    // pprof splits `key=` at the first `=`, and reads an empty key as none.
    if key.is_empty() || key.contains('=') {
        return None;
    }
    match (seen.string, seen.num) {
        (true, None) => Some(format!("{key}={}", exact_value(value))),
        (false, Some((lo, hi))) => {
            let (u, f) = range_unit(unit)?;
            let (lo, hi) = (lo.checked_mul(f)?, hi.checked_mul(f)?);
            Some(if lo == hi { format!("{key}={lo}{u}") } else { format!("{key}={lo}{u}:{hi}{u}") })
        }
        _ => None,
    }
}

/// The literal regular expression matching exactly `value` (a tagfocus
/// value splits at commas, so a comma is written `\x2C`).
fn exact_value(value: &str) -> String {
    format!("^{}$", regex_lite::escape(value).replace(',', "\\x2C"))
}

/// pprof's `-tags` of sample type `t` of `p`: numeric labels in the units
/// `units` gives them (those of the profile before any filter, as pprof
/// identifies them first), printed in `output_unit` (pprof's `-unit`).
pub fn report(p: &Profile, t: usize, units: &NumUnits, output_unit: &str) -> Vec<TagKey> {
    let s = |id| p.strings.get(id);
    let mut keys: FxHashMap<&str, (i64, FxHashMap<String, Seen>)> = FxHashMap::default();
    for i in 0..p.samples.len() {
        let v = p.value(i, t);
        for l in p.samples.labels_of(i) {
            let (name, num) = if is_string(l) {
                (s(l.str).to_string(), None)
            } else if is_numeric(l) {
                (scaled_label(l.num, units.of(s(l.key)), output_unit), Some(l.num))
            } else {
                continue;
            };
            let (total, values) = keys.entry(s(l.key)).or_default();
            *total = total.wrapping_add(v);
            let seen = values.entry(name).or_default();
            seen.weight = seen.weight.wrapping_add(v);
            match num {
                None => seen.string = true,
                Some(n) => seen.num = Some(seen.num.map_or((n, n), |(a, b)| (a.min(n), b.max(n)))),
            }
        }
    }
    let mut out: Vec<TagKey> = keys
        .into_iter()
        .map(|(key, (total, values))| {
            let unit = units.of(key);
            let mut values: Vec<TagValue> = values
                .into_iter()
                .map(|(value, seen)| TagValue { focus: focus(key, &value, &seen, unit), weight: seen.weight, value })
                .collect();
            values.sort_by(|a, b| {
                b.weight
                    .unsigned_abs()
                    .cmp(&a.weight.unsigned_abs())
                    .then_with(|| a.value.as_bytes().cmp(b.value.as_bytes()))
            });
            TagKey { key: key.to_string(), total, values }
        })
        .collect();
    out.sort_by(|a, b| a.key.as_bytes().cmp(b.key.as_bytes()));
    out
}

/// The report as `go tool pprof -tags` prints it, byte for byte: each key's
/// block laid out as its right-aligned `text/tabwriter` lays it out (cells
/// padded by one space; a key or value with a tab or newline in it would
/// be cut into other cells by pprof, not here).
pub fn text(r: &Tags) -> String {
    let fmt = |v: i64| scaled_label(v, &r.unit, &r.output_unit);
    let width = |s: &str| s.chars().count();
    let pad = |s: &str, w: usize| format!("{}{s}", " ".repeat(w.saturating_sub(width(s))));
    let mut out = String::new();
    for k in &r.keys {
        let head = format!("{}:", k.key);
        let cells: Vec<String> = k
            .values
            .iter()
            .map(|v| {
                if r.total > 0 {
                    format!("{} ({}):", fmt(v.weight), percentage(v.weight, r.total))
                } else {
                    format!("{}:", fmt(v.weight))
                }
            })
            .collect();
        let w0 = width(&head).max(1) + 1;
        let w1 = cells.iter().map(|c| width(c)).max().unwrap_or(0) + 1;
        let total = if r.total > 0 {
            format!(" Total {} of {} ({})", fmt(k.total), fmt(r.total), percentage(k.total, r.total))
        } else {
            format!(" Total {} of {}", fmt(k.total), fmt(r.total))
        };
        out.push_str(&pad(&head, w0));
        out.push_str(&total);
        out.push('\n');
        for (v, c) in k.values.iter().zip(&cells) {
            out.push_str(&pad(" ", w0));
            out.push_str(&pad(c, w1));
            out.push(' ');
            out.push_str(&v.value);
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_as_pprof() {
        // Go's %.2f rounds a tie to even, as Rust does: 1152 B is 1.125 kB.
        assert_eq!(scaled_label(1152, "bytes", "minimum"), "1.12kB");
        assert_eq!(scaled_label(1536, "bytes", "minimum"), "1.50kB");
        assert_eq!(scaled_label(65536, "bytes", "minimum"), "64kB");
        assert_eq!(scaled_label(0, "bytes", "minimum"), "0");
        assert_eq!(scaled_label(1536, "bytes", "B"), "1536B");
        assert_eq!(scaled_label(7, "count", "minimum"), "7");
        assert_eq!(scaled_label(200_000_000, "nanoseconds", "minimum"), "200ms");
        // What Go's fmt.Printf("%5.2g%%") prints.
        for (v, t, want) in [
            (1, 2, "50.00%"),
            (1, 200, "  0.5%"),
            (1, 2000, " 0.05%"),
            (1234, 100_000_000, "0.0012%"),
            (5, 10_000_000, "5e-05%"),
            (996, 100_000, "    1%"),
            (0, 5, "    0%"),
            (1, 1, "  100%"),
            (-1, 4, "25.00%"),
        ] {
            assert_eq!(percentage(v, t), want, "{v}/{t}");
        }
    }

    #[test]
    fn focus_expressions() {
        assert_eq!(exact_value("a.b,c"), "^a\\.b\\x2Cc$");
        let num = |lo, hi| Seen { weight: 0, string: false, num: Some((lo, hi)) };
        let f = |key, seen: &Seen, unit| focus(key, "", seen, unit);
        assert_eq!(f("bytes", &num(1536, 1540), "bytes").as_deref(), Some("bytes=1536b:1540b"));
        assert_eq!(f("bytes", &num(64, 64), "bytes").as_deref(), Some("bytes=64b"));
        assert_eq!(f("size", &num(3, 3), "kb").as_deref(), Some("size=3072b"));
        assert_eq!(f("wait", &num(2, 3), "ms").as_deref(), Some("wait=2000000ns:3000000ns"));
        assert_eq!(f("n", &num(-2, 3), "count").as_deref(), Some("n=-2:3"));
        assert_eq!(f("n", &num(1, 1), "ns_per_op").as_deref(), Some("n=1"));
        assert_eq!(f("a=b", &num(1, 1), "bytes"), None);
        assert_eq!(f("x", &Seen { weight: 0, string: true, num: Some((1, 1)) }, "x"), None);
        assert_eq!(
            focus("worker", "a.b", &Seen { weight: 0, string: true, num: None }, "").as_deref(),
            Some("worker=^a\\.b$")
        );
    }
}
