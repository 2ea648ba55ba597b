//! Any bytes as a Go executable: parsed, then opened as the page does,
//! within the memory bound. Body: `gopherlens::fuzz::gobinary`.
#![no_main]
use libfuzzer_sys::fuzz_target;

// Counted, so that going past the input's memory bound is a crash.
#[global_allocator]
static A: gopherlens::memcount::Counting = gopherlens::memcount::Counting;

fuzz_target!(|data: &[u8]| gopherlens::fuzz::gobinary(data));
