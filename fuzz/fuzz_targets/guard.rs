#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nl2sql_fuzz::guard(data));
