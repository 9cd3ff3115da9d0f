//! Time-locked code upgrades (docs/upgrades.md): each contract's lock as
//! read from the chain, and the warning a patient should see before a
//! contract's code changes.

use super::Client;
use crate::chain::{as_option, as_u128, field, Contract};
use anyhow::Result;

/// One contract's upgrade lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpgradeLock {
    /// The contract.
    pub contract: Contract,
    /// Milliseconds between a proposal and the earliest enactment.
    pub delay_ms: u64,
    /// The pending proposal: code hash (as printed by the chain) and the
    /// earliest time (ms) it may be enacted.
    pub pending: Option<(String, u64)>,
    /// Upgrades enacted so far.
    pub enacted: u32,
}

impl UpgradeLock {
    /// A line for people: the delay and, if a change is pending, when it
    /// can take effect, relative to `now_ms`.
    pub fn describe(&self, now_ms: u64) -> String {
        let lock =
            format!("{}: upgrade delay {}, {} upgrade(s) so far", self.contract, span(self.delay_ms), self.enacted);
        match &self.pending {
            None => format!("{lock}; no code change pending"),
            Some((hash, at)) if *at <= now_ms => format!(
                "{lock}; WARNING: new code {hash} can take effect now (since {}; anyone may enact it)",
                crate::fhir::instant(*at)
            ),
            Some((hash, at)) => format!(
                "{lock}; WARNING: new code {hash} can take effect from {} (in {}): review it, or withdraw your consent before then",
                crate::fhir::instant(*at),
                span(at - now_ms)
            ),
        }
    }
}

/// A duration as days, hours and minutes (seconds under a minute).
pub fn span(ms: u64) -> String {
    let (d, h, m, s) = (ms / 86_400_000, ms / 3_600_000 % 24, ms / 60_000 % 60, ms / 1_000 % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s} s"),
        (0, 0, _) => format!("{m} min"),
        (0, _, _) => format!("{h} h {m} min"),
        _ => format!("{d} d {h} h"),
    }
}

impl Client<'_> {
    /// The upgrade lock of each of the four contracts
    /// (`Upgradeable::upgrade_status`).
    pub async fn upgrades(&self) -> Result<Vec<UpgradeLock>> {
        let mut out = Vec::new();
        for contract in Contract::ALL {
            let v = self.query(contract, "Upgradeable::upgrade_status", &[]).await?;
            let pending = match as_option(field(&v, "pending")?)? {
                Some(p) => {
                    Some((field(&p, "code_hash")?.to_string(), u64::try_from(as_u128(field(&p, "not_before")?)?)?))
                }
                None => None,
            };
            out.push(UpgradeLock {
                contract,
                delay_ms: u64::try_from(as_u128(field(&v, "delay_ms")?)?)?,
                pending,
                enacted: u32::try_from(as_u128(field(&v, "enacted")?)?)?,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans() {
        assert_eq!(span(4_000), "4 s");
        assert_eq!(span(90_000), "1 min");
        assert_eq!(span(3 * 3_600_000 + 5 * 60_000), "3 h 5 min");
        assert_eq!(span(604_800_000), "7 d 0 h");
    }

    #[test]
    fn warnings() {
        let mut lock = UpgradeLock { contract: Contract::Records, delay_ms: 604_800_000, pending: None, enacted: 0 };
        assert_eq!(lock.describe(0), "records: upgrade delay 7 d 0 h, 0 upgrade(s) so far; no code change pending");
        lock.pending = Some(("0xabcd".into(), 2 * 86_400_000));
        let soon = lock.describe(0);
        assert!(
            soon.contains("WARNING: new code 0xabcd can take effect from 1970-01-03T00:00:00.000Z (in 2 d 0 h)"),
            "{soon}"
        );
        assert!(soon.contains("withdraw your consent"));
        assert!(lock.describe(3 * 86_400_000).contains("can take effect now"));
    }
}
