//! End-to-end tests live in `tests/`; run them with `cargo test -p smrms-e2e --features e2e-tests`.
