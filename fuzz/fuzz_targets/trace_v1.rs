//! Any bytes as the body of a v1 execution trace (Go 1.11–1.21): the first
//! byte picks the header version. Decoded whole, and opened as the page
//! does, within the memory bound. Seeds: fuzz/trace_seeds.sh. Body:
//! `gopherlens::fuzz::trace_v1`.
#![no_main]
use libfuzzer_sys::fuzz_target;

// Counted, so that going past the input's memory bound is a crash.
#[global_allocator]
static A: gopherlens::memcount::Counting = gopherlens::memcount::Counting;

fuzz_target!(|data: &[u8]| gopherlens::fuzz::trace_v1(data));
