//! Any text as a GODEBUG=gctrace=1 log: the parser returns Ok or Err, never
//! panics; a log that opens answers every query the page makes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = gopherlens::formats::gctrace::parse(data);
    gopherlens::fuzz_one(data);
});
