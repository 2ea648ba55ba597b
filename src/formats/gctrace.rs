//! `GODEBUG=gctrace=1` logs: the line the runtime prints at the end of
//! every GC cycle (`gcMarkTermination` in Go's `runtime/mgc.go`):
//!
//! ```text
//! gc 12 @1.234s 3%: 0.018+1.2+0.015 ms clock, 0.07+0.3/1.1/0.5+0.06 ms cpu, 4->5->2 MB, 5 MB goal, 0 MB stacks, 0 MB globals, 4 P (forced)
//! ```
//!
//! `gc N` is the cycle number since the program started, `@` the time of
//! the cycle's start since the program started (milliseconds precision),
//! `%` the share of CPU spent on GC since the program started; the clock
//! triple is sweep termination (stop-the-world) + concurrent mark + mark
//! termination (stop-the-world); the cpu times are sweep termination +
//! assist/background/idle marking + mark termination; the heap triple is
//! the heap at the start, at the end of marking, and live (marked), in MB
//! (rounded down); then the heap goal, stack and global scan sizes, and
//! GOMAXPROCS. Go 1.18 added "stacks" and "globals"; Go 1.26 may add
//! " (checking for goroutine leaks)" after the percentage. Every format from
//! Go 1.11 on reads here; the optional parts may be missing.
//!
//! Anything else in the log (program output, `scvg` lines, gctrace=2 scan
//! statistics) is skipped; a gc line may follow program output on the same
//! line when both write to stderr at once.

use crate::report::{Gc, GcCycle, Stw};
use crate::{Error, Result};

/// One `gc N @...` line.
#[derive(Debug, Clone, PartialEq)]
pub struct GcLine {
    /// 1-based line number in the log.
    pub line: usize,
    /// The runtime's GC number (`gc N`).
    pub seq: u64,
    /// `@`: start since the program started, ns (millisecond precision).
    pub start_ns: i64,
    /// GC CPU share since the program started, percent.
    pub cpu_percent: u32,
    /// Wall clock: sweep termination, concurrent mark, mark termination (ns).
    pub clock_ns: [i64; 3],
    /// CPU time: sweep termination, assist, background, idle mark, mark
    /// termination (ns).
    pub cpu_ns: [i64; 5],
    /// Heap at the start, at the end of marking, and marked live (bytes;
    /// the log gives whole MB).
    pub heap_mb: [u64; 3],
    pub goal_mb: u64,
    pub stacks_mb: Option<u64>,
    pub globals_mb: Option<u64>,
    pub procs: u64,
    /// runtime.GC() or debug.FreeOSMemory started the cycle.
    pub forced: bool,
}

/// A parsed gctrace log.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GcLog {
    pub cycles: Vec<GcLine>,
    /// Lines of the log in all.
    pub lines: usize,
    /// Lines that start like a gc line but do not parse (cut short, ...).
    pub bad_lines: Vec<usize>,
}

/// Whether `data` looks like a gctrace log: text with a gc line among its
/// first 64 KiB.
pub fn looks_like_gctrace(data: &[u8]) -> bool {
    let head = &data[..data.len().min(64 << 10)];
    let text = match std::str::from_utf8(head) {
        Ok(s) => s,
        Err(e) if e.valid_up_to() + 4 >= head.len() => std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or(""),
        Err(_) => return false,
    };
    if text.chars().any(|c| c.is_control() && !c.is_whitespace()) {
        return false;
    }
    text.lines().any(|l| find_gc(l).is_some_and(|s| parse_line(s, 0).is_some()))
}

/// The start of a `gc N @` record in `line`, if any.
fn find_gc(line: &str) -> Option<&str> {
    let mut from = 0;
    while let Some(i) = line[from..].find("gc ") {
        let s = &line[from + i..];
        let rest = &s[3..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && rest[digits..].starts_with(" @") {
            return Some(s);
        }
        from += i + 3;
    }
    None
}

/// "0.018" ms → ns.
fn ms_to_ns(s: &str) -> Option<i64> {
    let v: f64 = s.trim().parse().ok()?;
    (v.is_finite() && v >= 0.0).then(|| (v * 1e6).round() as i64)
}

fn parse_line(s: &str, line: usize) -> Option<GcLine> {
    // gc N @S.SSSs U%[ (...)]: CLOCK ms clock, CPU ms cpu, A->B->C MB, G MB goal[, S MB stacks][, G MB globals], P P[ (forced)]
    let rest = s.strip_prefix("gc ")?;
    let (seq, rest) = rest.split_once(" @")?;
    let seq: u64 = seq.parse().ok()?;
    let (at, rest) = rest.split_once("s ")?;
    let at: f64 = at.parse().ok()?;
    if !at.is_finite() || at < 0.0 {
        return None;
    }
    let (pct, rest) = rest.split_once('%')?;
    let cpu_percent: u32 = pct.trim().parse().ok()?;
    let (_, rest) = rest.split_once(": ")?;
    let mut parts = rest.split(", ");
    let clock = parts.next()?.strip_suffix(" ms clock")?;
    let c: Vec<i64> = clock.split('+').map(ms_to_ns).collect::<Option<_>>()?;
    let clock_ns: [i64; 3] = c.try_into().ok()?;
    let cpu = parts.next()?.strip_suffix(" ms cpu")?;
    let c: Vec<i64> = cpu.split(['+', '/']).map(ms_to_ns).collect::<Option<_>>()?;
    let cpu_ns: [i64; 5] = c.try_into().ok()?;
    let heap = parts.next()?.strip_suffix(" MB")?;
    let h: Vec<u64> = heap.split("->").map(|x| x.trim().parse().ok()).collect::<Option<_>>()?;
    let heap_mb: [u64; 3] = h.try_into().ok()?;
    let goal_mb: u64 = parts.next()?.strip_suffix(" MB goal")?.trim().parse().ok()?;
    let (mut stacks_mb, mut globals_mb, mut procs, mut forced) = (None, None, None, false);
    for p in parts {
        let p = p.trim_end();
        if let Some(v) = p.strip_suffix(" MB stacks") {
            stacks_mb = Some(v.trim().parse().ok()?);
        } else if let Some(v) = p.strip_suffix(" MB globals") {
            globals_mb = Some(v.trim().parse().ok()?);
        } else {
            let (p, f) = match p.strip_suffix(" (forced)") {
                Some(p) => (p, true),
                None => (p, false),
            };
            procs = Some(p.strip_suffix(" P")?.trim().parse().ok()?);
            forced = f;
        }
    }
    Some(GcLine {
        line,
        seq,
        start_ns: (at * 1e9).round() as i64,
        cpu_percent,
        clock_ns,
        cpu_ns,
        heap_mb,
        goal_mb,
        stacks_mb,
        globals_mb,
        procs: procs?,
        forced,
    })
}

/// Parses a gctrace log; fails if it holds no gc line.
pub fn parse(data: &[u8]) -> Result<GcLog> {
    let text = String::from_utf8_lossy(data);
    let mut log = GcLog::default();
    for (i, l) in text.lines().enumerate() {
        log.lines += 1;
        let Some(s) = find_gc(l) else { continue };
        match parse_line(s.trim_end(), i + 1) {
            Some(c) => log.cycles.push(c),
            None => log.bad_lines.push(i + 1),
        }
    }
    if log.cycles.is_empty() {
        return Err(Error::NoGcLines { lines: log.lines, bad: log.bad_lines.len() });
    }
    Ok(log)
}

const MB: u64 = 1 << 20;

impl GcLog {
    /// The log as the `gopherlens gc --json` report. Times are from the
    /// program start (the log's `@`), cycles without a trace have no
    /// assist count, stacks or MMU.
    pub fn report(&self) -> Gc {
        let mut cycles = Vec::with_capacity(self.cycles.len());
        let (mut longest, mut end_max, mut procs) = (0i64, 0i64, 0u64);
        for (i, l) in self.cycles.iter().enumerate() {
            let [sweep, mark, term] = l.clock_ns;
            let start = l.start_ns;
            let end = start.saturating_add(sweep).saturating_add(mark).saturating_add(term);
            let stw = vec![
                Stw { reason: "GC sweep termination".into(), start_ns: start, duration_ns: sweep },
                Stw {
                    reason: "GC mark termination".into(),
                    start_ns: start.saturating_add(sweep).saturating_add(mark),
                    duration_ns: term,
                },
            ];
            longest = longest.max(sweep).max(term);
            end_max = end_max.max(end);
            procs = procs.max(l.procs);
            cycles.push(GcCycle {
                n: i + 1,
                seq: l.seq,
                start_ns: Some(start),
                end_ns: Some(end),
                mark_ns: mark,
                stw,
                stw_ns: sweep.saturating_add(term),
                assist_count: 0,
                assist_ns: l.cpu_ns[1],
                top_assists: Vec::new(),
                heap_live_start: Some(l.heap_mb[0].saturating_mul(MB)),
                heap_live_end: Some(l.heap_mb[2].saturating_mul(MB)),
                heap_goal: Some(l.goal_mb.saturating_mul(MB)),
                heap_goal_next: None,
                gomaxprocs: Some(l.procs),
            });
        }
        let mut warnings = vec![
            "the MMU needs an execution trace: a gctrace log has no per-goroutine timing".to_string(),
            "from a gctrace log: times are from the program start (start in ms steps), heap sizes in whole MB, \
             assist_ns is the assists' CPU time, and assist counts and stacks are unknown"
                .to_string(),
        ];
        if !self.bad_lines.is_empty() {
            let shown: Vec<String> = self.bad_lines.iter().take(5).map(|n| n.to_string()).collect();
            warnings.push(format!(
                "{} gc lines could not be read (line {}{}), probably cut short",
                self.bad_lines.len(),
                shown.join(", "),
                if self.bad_lines.len() > 5 { ", ..." } else { "" }
            ));
        }
        if let Some(w) = self.cycles.windows(2).find(|w| w[1].seq != w[0].seq.saturating_add(1)) {
            warnings.push(format!("GC numbers jump from {} to {}: the log misses cycles", w[0].seq, w[1].seq));
        }
        Gc {
            go_version: String::new(),
            events: self.cycles.len(),
            cpu_samples: 0,
            duration_ns: end_max,
            gomaxprocs: procs,
            gc_cpu_fraction: self.cycles.last().map_or(0.0, |l| f64::from(l.cpu_percent) / 100.0),
            longest_pause_ns: longest,
            longest_gc_pause_ns: longest,
            cycles,
            other_stw: Vec::new(),
            mmu_flags: Vec::new(),
            mmu: Vec::new(),
            mmu_fixed: Vec::new(),
            assist_stacks: Vec::new(),
            warnings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_go_1_26_line() {
        let l = "gc 12 @1.234s 3% (checking for goroutine leaks): 0.018+1.2+0.015 ms clock, 0.07+0.3/1.1/0.5+0.06 ms cpu, 4->5->2 MB, 5 MB goal, 0 MB stacks, 1 MB globals, 4 P (forced)";
        let g = parse(l.as_bytes()).unwrap();
        let c = &g.cycles[0];
        assert_eq!(c.seq, 12);
        assert_eq!(c.start_ns, 1_234_000_000);
        assert_eq!(c.cpu_percent, 3);
        assert_eq!(c.clock_ns, [18_000, 1_200_000, 15_000]);
        assert_eq!(c.cpu_ns, [70_000, 300_000, 1_100_000, 500_000, 60_000]);
        assert_eq!(c.heap_mb, [4, 5, 2]);
        assert_eq!((c.goal_mb, c.stacks_mb, c.globals_mb, c.procs, c.forced), (5, Some(0), Some(1), 4, true));
    }

    #[test]
    fn old_lines_interleaving_and_errors() {
        let log = "hello\nscvg: 0 MB released\noutput gc 1 @0.010s 0%: 0.1+0.2+0.3 ms clock, 0.1+0/0/0+0.1 ms cpu, 4->4->0 MB, 5 MB goal, 8 P\ngc 2 @0.02";
        let g = parse(log.as_bytes()).unwrap();
        assert_eq!(g.cycles.len(), 1);
        assert_eq!(g.cycles[0].stacks_mb, None);
        assert_eq!(g.bad_lines, vec![4]);
        assert!(looks_like_gctrace(log.as_bytes()));
        assert!(!looks_like_gctrace(b"hello\nworld\n"));
        assert_eq!(parse(b"hello\nworld\n"), Err(Error::NoGcLines { lines: 2, bad: 0 }));
    }
}
