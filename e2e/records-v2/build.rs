//! Compiles the records contract's source as its second build: turns on the
//! `upgrade_fixture` cfg, which adds the `code_version` message.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(upgrade_fixture)");
    println!("cargo::rustc-check-cfg=cfg(annex)");
    println!("cargo::rustc-cfg=upgrade_fixture");
}
