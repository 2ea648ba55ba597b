//! Any bytes through sniffing, gunzip, the pprof decoder and every query a
//! page makes: must return Ok or Err, never panic, hang or pass the input's
//! memory bound (README "Memory bounds"). Body: `gopherlens::fuzz::pprof`.
#![no_main]
use libfuzzer_sys::fuzz_target;

// Counted, so that going past the input's memory bound is a crash.
#[global_allocator]
static A: gopherlens::memcount::Counting = gopherlens::memcount::Counting;

fuzz_target!(|data: &[u8]| gopherlens::fuzz::pprof(data));
