//! gopherlens core: Go profile formats → one interned model → analyses →
//! layouts. Compiled natively (tests, CLI) and to wasm32 (the web page).

pub mod analysis;
pub mod error;
pub mod formats;
#[doc(hidden)]
pub mod fuzz;
pub mod layout;
pub mod memcount;
pub mod model;
pub mod report;
pub mod session;
pub mod units;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::{Error, Result};

/// Records live/peak/heap bytes under `label` in wasm builds with the
/// `memstats` feature (bench/ reads them); nothing otherwise.
#[inline]
pub(crate) fn mem_mark(_label: &'static str) {
    #[cfg(all(target_arch = "wasm32", feature = "memstats"))]
    wasm::memstats::mark(_label);
    #[cfg(not(target_arch = "wasm32"))]
    if std::env::var_os("GL_TIMES").is_some() {
        use std::sync::Mutex;
        static LAST: Mutex<Option<std::time::Instant>> = Mutex::new(None);
        let mut l = LAST.lock().unwrap();
        let now = std::time::Instant::now();
        if let Some(t) = *l { eprintln!("  {:>8.1} ms  {}", (now - t).as_secs_f64() * 1e3, _label); }
        *l = Some(now);
    }
}
pub use formats::open;
pub use model::Profile;
pub use session::Session;

/// Runs `run` with allocation failing past `bound` more bytes (from
/// [`formats::memory_bound`], README "Memory bounds"), in a binary whose
/// global allocator is [`memcount::Counting`] (every fuzz target's): a
/// memory bomb then aborts as a crash, which libFuzzer keeps.
#[doc(hidden)]
pub fn within_memory_bound(bound: usize, run: impl FnOnce()) {
    memcount::set_limit(memcount::live().saturating_add(bound));
    run();
    memcount::set_limit(usize::MAX);
}

/// Runs one input through decoding and every query the page makes; shared by
/// the fuzz target and the regression test that replays what it found.
#[doc(hidden)]
pub fn fuzz_one(data: &[u8]) {
    if let Ok(mut s) = Session::open(data) {
        let _ = s.info();
        let _ = s.gc();
        let _ = s.timeline();
        for t in 0..s.profile.sample_types.len() {
            let idx = t.to_string();
            let _ = s.top(Some(&idx), 0, 0);
            if let Ok(l) = s.flame(Some(&idx), 0, 0.0) {
                if let Some(&deep) = l.node.last() {
                    let _ = s.flame(Some(&idx), deep, 0.001);
                    let _ = s.top(Some(&idx), 10, deep);
                }
            }
            let _ = s.matched_total(Some(&idx), 0, |f| f.0 % 2 == 0);
        }
    }
}
