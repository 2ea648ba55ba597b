//! `gopherlens` command line: the same core as the web page, for scripts.

use gopherlens::report::Top;
use gopherlens::Session;
use std::process::ExitCode;

const USAGE: &str = "usage:
  gopherlens info FILE [--json]
  gopherlens top FILE [--sample-index NAME|N] [--nodecount N] [--json]

FILE is a Go pprof profile (gzipped or raw profile.proto).
--json prints the same JSON shapes as the JavaScript API (www/gopherlens.js).";

struct Args {
    cmd: String,
    files: Vec<String>,
    json: bool,
    sample_index: Option<String>,
    nodecount: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let cmd = it.next().ok_or("missing command")?;
    let mut a = Args { cmd, files: Vec::new(), json: false, sample_index: None, nodecount: 0 };
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| inline.clone().or_else(|| it.next()).ok_or(format!("{name} needs a value"));
        match flag.as_str() {
            "--json" => a.json = true,
            "--sample-index" | "--sample_index" => a.sample_index = Some(value("--sample-index")?),
            "--nodecount" => {
                a.nodecount = value("--nodecount")?.parse().map_err(|_| "--nodecount takes a whole number")?
            }
            "-h" | "--help" => return Err(String::new()),
            f if f.starts_with('-') && f.len() > 1 => return Err(format!("unknown option {f}")),
            _ => a.files.push(arg),
        }
    }
    Ok(a)
}

fn load(path: &str) -> Result<Session, String> {
    let data = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    Session::open(&data).map_err(|e| format!("{path}: {e}"))
}

fn print_json<T: serde::Serialize>(v: &T) -> Result<(), String> {
    let s = serde_json::to_string_pretty(v).map_err(|e| e.to_string())?;
    println!("{s}");
    Ok(())
}

fn print_top(t: &Top) {
    let f = |v: i64| gopherlens::units::format(v, &t.unit);
    let shown: i64 = t.rows.iter().map(|r| r.flat).sum();
    let pct = |v: i64| if t.total == 0 { 0.0 } else { 100.0 * v as f64 / t.total as f64 };
    println!(
        "Showing nodes accounting for {}, {:.2}% of {} total ({})",
        f(shown),
        pct(shown),
        f(t.total),
        t.sample_type
    );
    println!("{:>12} {:>7} {:>7} {:>12} {:>7}", "flat", "flat%", "sum%", "cum", "cum%");
    let mut sum = 0i64;
    for r in &t.rows {
        sum += r.flat;
        println!(
            "{:>12} {:>6.2}% {:>6.2}% {:>12} {:>6.2}%  {}",
            f(r.flat),
            pct(r.flat),
            pct(sum),
            f(r.cum),
            pct(r.cum),
            r.name
        );
    }
}

fn run(a: Args) -> Result<(), String> {
    let [file] = a.files.as_slice() else {
        return Err(format!("{} takes exactly one FILE", a.cmd));
    };
    match a.cmd.as_str() {
        "info" => {
            let s = load(file)?;
            let info = s.info();
            if a.json {
                return print_json(&info);
            }
            println!("format: {}", info.format);
            for st in &info.sample_types {
                let mark = if st.kind == info.default_sample_type { " (default)" } else { "" };
                println!("  {}/{}: total {}{}", st.kind, st.unit, gopherlens::units::format(st.total, &st.unit), mark);
            }
            if let Some(pt) = &info.period_type {
                println!("period: {} {}/{}", info.period, pt.kind, pt.unit);
            }
            println!("samples: {}  locations: {}  functions: {}", info.samples, info.locations, info.functions);
            Ok(())
        }
        "top" => {
            let mut s = load(file)?;
            let t = s.top(a.sample_index.as_deref(), a.nodecount, 0).map_err(|e| format!("{file}: {e}"))?;
            if a.json {
                print_json(&t)
            } else {
                print_top(&t);
                Ok(())
            }
        }
        other => Err(format!("unknown command {other:?}")),
    }
}

fn main() -> ExitCode {
    match parse_args().and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gopherlens: {e}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
