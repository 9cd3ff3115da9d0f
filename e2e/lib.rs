//! End-to-end scenarios live in `tests/scenarios/` (one test binary, `setup.rs` + one file per
//! scenario); run them with `cargo test -p smrms-e2e --features e2e-tests`.
