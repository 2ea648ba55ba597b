//! Any bytes through sniffing, gunzip, the pprof decoder and every query a
//! page makes: must return Ok or Err, never panic, hang or blow memory.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    gopherlens::fuzz_one(data);
});
