//! Value formatting as pprof prints it: bytes in B/kB/MB/GB (powers of 1024),
//! nanoseconds as ns/us/ms/s, counts as plain numbers.

/// Formats `v` measured in `unit` for people.
pub fn format(v: i64, unit: &str) -> String {
    let a = v.unsigned_abs() as f64;
    let sign = if v < 0 { "-" } else { "" };
    let scaled = |steps: &[(f64, &str)]| {
        let mut out = format!("{sign}{}{}", a, steps[0].1);
        for &(div, name) in steps.iter().rev() {
            if a >= div {
                out = format!("{sign}{}{}", trim(a / div), name);
                break;
            }
        }
        out
    };
    match unit {
        "bytes" | "byte" | "B" => {
            scaled(&[(1.0, "B"), (1024.0, "kB"), (1048576.0, "MB"), (1073741824.0, "GB"), (1099511627776.0, "TB")])
        }
        "nanoseconds" | "nanosecond" | "ns" => scaled(&[(1.0, "ns"), (1e3, "us"), (1e6, "ms"), (1e9, "s")]),
        _ => v.to_string(),
    }
}

fn trim(x: f64) -> String {
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats() {
        assert_eq!(super::format(1536, "bytes"), "1.5kB");
        assert_eq!(super::format(512, "bytes"), "512B");
        assert_eq!(super::format(2_500_000, "nanoseconds"), "2.5ms");
        assert_eq!(super::format(42, "count"), "42");
    }
}
