//! Compiles the registry contract's source as its annex: turns on the
//! `annex` cfg, so that every message runs its own body (the deployed build
//! hands the annex's messages over to this code).
fn main() {
    println!("cargo::rustc-check-cfg=cfg(annex)");
    println!("cargo::rustc-cfg=annex");
}
