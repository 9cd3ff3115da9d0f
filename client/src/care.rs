//! The care circle's key rule, as a pure function (no chain access): when
//! one of a reader's accesses to a patient's data ends (her grant is
//! revoked, her guardianship removed or stripped of the read power, her
//! emergency access closed), which of the keys wrapped for her does she
//! keep? The patient's client reads the facts on chain *after* the change
//! ([`Entitlements`]), asks [`key_basis`] for every item she holds a key of,
//! and removes (`records.revoke_keys`) only the keys with no basis left.
//!
//! It is the web app's `keepsKey` (web/src/care.ts), extended for the card
//! with the custodian (whom the contract lets receive the card key) and an
//! open emergency access. Authorship is deliberately not a basis: a doctor
//! whose grant is revoked loses the keys of the records she wrote too (she
//! had their plaintext when she wrote them; from now on the chain serves
//! her ciphertext only), as in the web app:
//!
//! | basis | profile | record, medication | card |
//! |---|---|---|---|
//! | grant in force with Demographics | keeps | | |
//! | grant in force with RecordsRead | | keeps | keeps |
//! | guardianship in force with the read power | keeps | keeps | keeps |
//! | guardianship with the consent or booking power only | | | |
//! | emergency access open now | | | keeps |
//! | the designated emergency custodian | | | keeps |
//!
//! A grant or guardianship is in force while not expired (the end is
//! exclusive, as in the contracts). Only the read power of a guardianship
//! carries keys ([`GuardianPowers::gives_keys`]): the consent power acts on
//! grants, the booking power on appointments (whose texts are sealed for the
//! patient and the doctor only), and neither is a reason to keep, or to be
//! given, a key of the patient's data.
//!
//! It also holds how `smrms card set` edits the emergency card
//! ([`edit_card`]): the fields left out are kept from the current card,
//! which needs the current card to open.

use crate::crypto::{Card, Sealed, CARD_FIELDS};
use anyhow::{bail, Result};
use smrms_shared::Scopes;

/// What a guardian may do for the patient (the permissions contract's
/// `GuardianPowers`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GuardianPowers {
    /// Grant and revoke access for her.
    pub consent: bool,
    /// Read her profile, records, medications and card.
    pub read: bool,
    /// Book appointments for her (paying the fee herself) and act on her
    /// side of them: confirm, cancel, complete, answer a proposed new time.
    pub book: bool,
}

impl GuardianPowers {
    /// The powers of `smrms guardian add` / `appoint-for` flags.
    ///
    /// # Errors
    /// None given (the contract refuses a guardianship without a power).
    pub fn from_flags(consent: bool, read: bool, book: bool) -> Result<Self> {
        let p = Self { consent, read, book };
        if p.is_empty() {
            bail!("give --consent, --read and/or --book");
        }
        Ok(p)
    }

    /// No power at all.
    pub fn is_empty(&self) -> bool {
        !self.consent && !self.read && !self.book
    }

    /// Whether the patient's data keys are wrapped for her (and kept): the
    /// read power only.
    pub fn gives_keys(&self) -> bool {
        self.read
    }

    /// The contract argument (contract-transcode's syntax).
    pub fn arg(&self) -> String {
        format!("{{ consent: {}, read: {}, book: {} }}", self.consent, self.read, self.book)
    }

    /// The powers joined by `+` in the order consent, read, book (e.g.
    /// `consent+read`, `book`), or `none`.
    pub fn describe(&self) -> String {
        let names: Vec<&str> = [(self.consent, "consent"), (self.read, "read"), (self.book, "book")]
            .into_iter()
            .filter_map(|(on, name)| on.then_some(name))
            .collect();
        if names.is_empty() {
            "none".into()
        } else {
            names.join("+")
        }
    }
}

/// What a recipient still holds of one patient's data, read on chain after
/// the change (grant revoked, guardianship removed, emergency closed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Entitlements {
    /// Her grant, if one is stored: its scopes and end (Unix ms, exclusive;
    /// `None` = until revoked).
    pub grant: Option<(Scopes, Option<u64>)>,
    /// Her guardianship, if she is a guardian of the patient: its powers
    /// (only the read power is a basis), and its end (Unix ms, exclusive;
    /// `None` = until removed).
    pub guardianship: Option<(GuardianPowers, Option<u64>)>,
    /// An emergency access of hers on the patient is open now (not closed,
    /// not expired).
    pub open_emergency: bool,
    /// She is the designated emergency custodian (the card's key is wrapped
    /// for her at `set_card`).
    pub custodian: bool,
}

/// Why a recipient keeps her key of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// A grant in force with the item's scope.
    Grant,
    /// A guardianship in force with the read power.
    Guardianship,
    /// An emergency access of hers is open (the card only).
    Emergency,
    /// She is the emergency custodian (the card only).
    Custodian,
}

impl Basis {
    /// In words, for the client's notes.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Grant => "a grant in force covers it",
            Self::Guardianship => "a guardianship with the read power covers it",
            Self::Emergency => "an emergency access of hers is open",
            Self::Custodian => "she is the emergency custodian",
        }
    }
}

/// A grant or guardianship ending at `expires_at` (exclusive; `None` =
/// never) is in force at `now_ms`.
pub fn in_force(expires_at: Option<u64>, now_ms: u64) -> bool {
    expires_at.is_none_or(|e| now_ms < e)
}

/// Whether `scopes` cover reading `item`: Demographics for the profile,
/// RecordsRead for records, medications and the card (the records
/// contract's `read_scope`).
pub fn scope_covers(scopes: &Scopes, item: Sealed) -> bool {
    match item {
        Sealed::Profile => scopes.demographics,
        Sealed::Record(_) | Sealed::Medication(_) | Sealed::Card => scopes.records_read,
    }
}

/// The basis on which a recipient keeps her key of `item` at `now_ms`, or
/// `None` if she has none left and the key should be removed. The first
/// basis found is returned, in the order of [`Basis`].
pub fn key_basis(item: Sealed, e: &Entitlements, now_ms: u64) -> Option<Basis> {
    if e.grant.is_some_and(|(scopes, ends)| in_force(ends, now_ms) && scope_covers(&scopes, item)) {
        return Some(Basis::Grant);
    }
    if e.guardianship.is_some_and(|(powers, ends)| powers.gives_keys() && in_force(ends, now_ms)) {
        return Some(Basis::Guardianship);
    }
    match item {
        Sealed::Card if e.open_emergency => Some(Basis::Emergency),
        Sealed::Card if e.custodian => Some(Basis::Custodian),
        _ => None,
    }
}

/// Whether a recipient keeps her key of `item` ([`key_basis`] found one).
pub fn keeps_key(item: Sealed, e: &Entitlements, now_ms: u64) -> bool {
    key_basis(item, e, now_ms).is_some()
}

/// The patient's current card as her client found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CurrentCard {
    /// She has set no card.
    None,
    /// Opened with her key.
    Opened(Card),
    /// Stored (version) but it does not open for her, and why (no key of
    /// hers, a key that does not open, a card that does not decrypt).
    Unopened(u32, String),
}

/// The card `smrms card set` stores: each field given (in [`CARD_FIELDS`]
/// order) replaces the current one; a field left out is kept from the
/// current card, or is empty if there is no card or with `replace` (the
/// card is then exactly the fields given).
///
/// # Errors
/// The current card does not open, a field is left out and `replace` is
/// not set: keeping that field is impossible, and storing the card would
/// silently empty it (the new card replaces the old one, whose key is
/// dropped).
pub fn edit_card(current: &CurrentCard, given: [Option<String>; 5], replace: bool) -> Result<Card> {
    let mut card = match current {
        CurrentCard::Opened(c) if !replace => c.clone(),
        CurrentCard::Unopened(version, why) if !replace && given.iter().any(Option::is_none) => {
            let missing: Vec<String> = CARD_FIELDS
                .iter()
                .zip(&given)
                .filter(|(_, g)| g.is_none())
                .map(|((name, _), _)| format!("--{}", name.replace('_', "-")))
                .collect();
            bail!(
                "your current emergency card (v{version}) does not open here ({why}), so the fields you left out \
                 ({}) cannot be kept from it: storing the card would empty them. Give every field \
                 (--allergies, --blood-group, --medications, --conditions, --emergency-contact), or pass \
                 --replace to store a card with only the fields given (the others empty). Nothing stored.",
                missing.join(", ")
            )
        }
        _ => Card::default(),
    };
    let [allergies, blood_group, medications, conditions, emergency_contact] = given;
    for (slot, value) in [
        (&mut card.allergies, allergies),
        (&mut card.blood_group, blood_group),
        (&mut card.medications, medications),
        (&mut card.conditions, conditions),
        (&mut card.emergency_contact, emergency_contact),
    ] {
        if let Some(v) = value {
            *slot = v;
        }
    }
    Ok(card)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000_000;
    const READ: Scopes = Scopes { demographics: false, records_read: true, records_write: false, appointments: false };
    const PROFILE_ONLY: Scopes =
        Scopes { demographics: true, records_read: false, records_write: false, appointments: false };
    const WRITE_ONLY: Scopes =
        Scopes { demographics: false, records_read: false, records_write: true, appointments: true };
    const NONE: Entitlements =
        Entitlements { grant: None, guardianship: None, open_emergency: false, custodian: false };

    fn grant(scopes: Scopes, ends: Option<u64>) -> Entitlements {
        Entitlements { grant: Some((scopes, ends)), ..NONE }
    }

    const READER: GuardianPowers = GuardianPowers { consent: false, read: true, book: false };
    const CONSENT: GuardianPowers = GuardianPowers { consent: true, read: false, book: false };
    const BOOK: GuardianPowers = GuardianPowers { consent: false, read: false, book: true };
    const CONSENT_BOOK: GuardianPowers = GuardianPowers { consent: true, read: false, book: true };
    const ALL_POWERS: GuardianPowers = GuardianPowers { consent: true, read: true, book: true };

    fn guardian(powers: GuardianPowers, ends: Option<u64>) -> Entitlements {
        Entitlements { guardianship: Some((powers, ends)), ..NONE }
    }

    #[test]
    fn in_force_ends_exclusively() {
        assert!(in_force(None, NOW));
        assert!(in_force(Some(NOW + 1), NOW));
        assert!(!in_force(Some(NOW), NOW));
        assert!(!in_force(Some(NOW - 1), NOW));
    }

    #[test]
    fn which_keys_a_recipient_keeps() {
        use Sealed::{Card, Medication, Profile, Record};
        let (r, m) = (Record(3), Medication(0));
        let emergency = Entitlements { open_emergency: true, ..NONE };
        let custodian = Entitlements { custodian: true, ..NONE };
        let everything = Entitlements {
            grant: Some((Scopes::ALL, None)),
            guardianship: Some((READER, None)),
            open_emergency: true,
            custodian: true,
        };
        // (case, item, entitlements, expected basis)
        #[rustfmt::skip]
        let cases: &[(&str, Sealed, Entitlements, Option<Basis>)] = &[
            // nothing left: every key goes
            ("no basis: profile", Profile, NONE, None),
            ("no basis: record", r, NONE, None),
            ("no basis: medication", m, NONE, None),
            ("no basis: card", Card, NONE, None),
            // a grant in force keeps what its scope covers
            ("RecordsRead grant: record", r, grant(READ, None), Some(Basis::Grant)),
            ("RecordsRead grant: medication", m, grant(READ, None), Some(Basis::Grant)),
            ("RecordsRead grant: card", Card, grant(READ, None), Some(Basis::Grant)),
            ("RecordsRead grant: not the profile", Profile, grant(READ, None), None),
            ("Demographics grant: profile", Profile, grant(PROFILE_ONLY, None), Some(Basis::Grant)),
            ("Demographics grant: not a record", r, grant(PROFILE_ONLY, None), None),
            ("Demographics grant: not the card", Card, grant(PROFILE_ONLY, None), None),
            ("write/appointments only: no record", r, grant(WRITE_ONLY, None), None),
            ("write/appointments only: no profile", Profile, grant(WRITE_ONLY, None), None),
            ("all scopes: profile", Profile, grant(Scopes::ALL, None), Some(Basis::Grant)),
            ("grant until later: record", r, grant(READ, Some(NOW + 1)), Some(Basis::Grant)),
            ("grant expired now: record", r, grant(READ, Some(NOW)), None),
            ("grant expired: card", Card, grant(READ, Some(NOW - 5)), None),
            // a guardianship in force with the read power keeps everything
            ("read guardian: profile", Profile, guardian(READER, None), Some(Basis::Guardianship)),
            ("read guardian: record", r, guardian(READER, None), Some(Basis::Guardianship)),
            ("read guardian: medication", m, guardian(READER, None), Some(Basis::Guardianship)),
            ("read guardian: card", Card, guardian(READER, None), Some(Basis::Guardianship)),
            ("read guardian until later: card", Card, guardian(READER, Some(NOW + 60_000)), Some(Basis::Guardianship)),
            ("consent-only guardian: profile", Profile, guardian(CONSENT, None), None),
            ("consent-only guardian: card", Card, guardian(CONSENT, None), None),
            ("expired read guardian: record", r, guardian(READER, Some(NOW)), None),
            // the booking power carries no key: booking-only, or with consent
            ("booking guardian: profile", Profile, guardian(BOOK, None), None),
            ("booking guardian: record", r, guardian(BOOK, None), None),
            ("booking guardian: medication", m, guardian(BOOK, None), None),
            ("booking guardian: card", Card, guardian(BOOK, None), None),
            ("consent+book guardian: record", r, guardian(CONSENT_BOOK, None), None),
            ("consent+book guardian: card", Card, guardian(CONSENT_BOOK, None), None),
            ("read+book guardian: record", r, guardian(ALL_POWERS, None), Some(Basis::Guardianship)),
            ("read+book guardian: profile", Profile, guardian(ALL_POWERS, None), Some(Basis::Guardianship)),
            // writing a record is no basis: a revoked author loses its key
            ("author, nothing else: record", r, NONE, None),
            // an open emergency keeps the card only
            ("open emergency: card", Card, emergency, Some(Basis::Emergency)),
            ("open emergency: not a record", r, emergency, None),
            ("open emergency: not the profile", Profile, emergency, None),
            ("open emergency: not a medication", m, emergency, None),
            // the custodian keeps the card only
            ("custodian: card", Card, custodian, Some(Basis::Custodian)),
            ("custodian: not the profile", Profile, custodian, None),
            ("custodian: not a record", r, custodian, None),
            // several bases: the first in order
            ("all bases: card", Card, everything, Some(Basis::Grant)),
            ("all bases: record", r, everything, Some(Basis::Grant)),
            (
                "expired grant, read guardian: profile", Profile,
                Entitlements { grant: Some((PROFILE_ONLY, Some(NOW))), guardianship: Some((READER, None)), ..NONE },
                Some(Basis::Guardianship),
            ),
            (
                "profile grant, open emergency: card", Card,
                Entitlements { grant: Some((PROFILE_ONLY, None)), open_emergency: true, ..NONE },
                Some(Basis::Emergency),
            ),
            (
                "consent-only guardian with a RecordsRead grant: medication", m,
                Entitlements { grant: Some((READ, None)), guardianship: Some((CONSENT, None)), ..NONE },
                Some(Basis::Grant),
            ),
            (
                "booking guardian with a Demographics grant: profile, not a record", Profile,
                Entitlements { grant: Some((PROFILE_ONLY, None)), guardianship: Some((BOOK, None)), ..NONE },
                Some(Basis::Grant),
            ),
            (
                "booking guardian with a Demographics grant: record", r,
                Entitlements { grant: Some((PROFILE_ONLY, None)), guardianship: Some((BOOK, None)), ..NONE },
                None,
            ),
            (
                "booking guardian, open emergency: card only", Card,
                Entitlements { guardianship: Some((BOOK, None)), open_emergency: true, ..NONE },
                Some(Basis::Emergency),
            ),
        ];
        for (name, item, e, want) in cases {
            assert_eq!(key_basis(*item, e, NOW), *want, "{name}");
            assert_eq!(keeps_key(*item, e, NOW), want.is_some(), "{name}");
        }
    }

    #[test]
    fn matches_the_web_apps_keeps_key() {
        // web/src/care.test.ts, "which keys a reader keeps when one access ends"
        let (card, profile) = (Sealed::Card, Sealed::Profile);
        assert!(keeps_key(card, &grant(READ, None), NOW));
        assert!(!keeps_key(profile, &grant(READ, None), NOW));
        assert!(keeps_key(profile, &grant(PROFILE_ONLY, None), NOW));
        assert!(!keeps_key(card, &grant(READ, Some(NOW)), NOW));
        assert!(keeps_key(profile, &guardian(READER, None), NOW));
        assert!(!keeps_key(card, &guardian(CONSENT, None), NOW));
        assert!(!keeps_key(card, &guardian(READER, Some(NOW - 5)), NOW));
        assert!(!keeps_key(card, &NONE, NOW));
    }

    #[test]
    fn guardian_powers_flags_words_and_keys() {
        #[rustfmt::skip]
        let rows: &[((bool, bool, bool), &str, bool)] = &[
            ((true, false, false), "consent", false),
            ((false, true, false), "read", true),
            ((false, false, true), "book", false),
            ((true, true, false), "consent+read", true),
            ((true, false, true), "consent+book", false),
            ((false, true, true), "read+book", true),
            ((true, true, true), "consent+read+book", true),
        ];
        for &((c, r, b), words, keys) in rows {
            let p = GuardianPowers::from_flags(c, r, b).unwrap();
            assert_eq!(p, GuardianPowers { consent: c, read: r, book: b });
            assert_eq!(p.describe(), words);
            assert_eq!(p.gives_keys(), keys, "{words}: only the read power wraps and keeps keys");
            assert!(!p.is_empty());
        }
        let e = GuardianPowers::from_flags(false, false, false).unwrap_err().to_string();
        assert!(e.contains("--book"), "{e}");
        assert_eq!(GuardianPowers::default().describe(), "none");
        assert_eq!(BOOK.arg(), "{ consent: false, read: false, book: true }");
        assert_eq!(ALL_POWERS.arg(), "{ consent: true, read: true, book: true }");
    }

    #[test]
    fn bases_in_words() {
        for b in [Basis::Grant, Basis::Guardianship, Basis::Emergency, Basis::Custodian] {
            assert!(!b.describe().is_empty());
        }
    }

    fn card(a: &str, b: &str, m: &str, c: &str, e: &str) -> Card {
        Card {
            allergies: a.into(),
            blood_group: b.into(),
            medications: m.into(),
            conditions: c.into(),
            emergency_contact: e.into(),
        }
    }

    fn given(fields: [Option<&str>; 5]) -> [Option<String>; 5] {
        fields.map(|f| f.map(str::to_string))
    }

    /// (case, current card, fields given, --replace, the card stored or None for a refusal)
    type CardCase<'a> = (&'a str, &'a CurrentCard, [Option<String>; 5], bool, Option<Card>);

    #[test]
    fn editing_the_card() {
        let old = card("latex", "O+", "metformin", "diabetes", "Kavya +91");
        let opened = CurrentCard::Opened(old.clone());
        let unopened = CurrentCard::Unopened(3, "no key of this card is wrapped for me".into());
        let all = given([Some("penicillin"), Some("AB-"), Some("none"), Some("asthma"), Some("Ravi")]);
        let one = given([Some("penicillin"), None, None, None, None]);
        let all_card = card("penicillin", "AB-", "none", "asthma", "Ravi");
        let only_allergies = card("penicillin", "", "", "", "");
        #[rustfmt::skip]
        let cases: Vec<CardCase> = vec![
            ("opened: left-out fields kept", &opened, one.clone(), false,
                Some(card("penicillin", "O+", "metformin", "diabetes", "Kavya +91"))),
            ("opened: nothing given keeps all", &opened, given([None; 5]), false, Some(old.clone())),
            ("opened: every field given", &opened, all.clone(), false, Some(all_card.clone())),
            ("opened: an empty value empties a field", &opened, given([Some(""), None, None, None, None]), false,
                Some(card("", "O+", "metformin", "diabetes", "Kavya +91"))),
            ("opened, --replace: only the fields given", &opened, one.clone(), true, Some(only_allergies.clone())),
            ("no card: left-out fields empty", &CurrentCard::None, one.clone(), false, Some(only_allergies.clone())),
            ("no card, --replace", &CurrentCard::None, one.clone(), true, Some(only_allergies.clone())),
            ("unopened: refused when a field is left out", &unopened, one.clone(), false, None),
            ("unopened: refused with nothing given", &unopened, given([None; 5]), false, None),
            ("unopened: refused with four of five", &unopened,
                given([Some("a"), Some("b"), Some("c"), Some("d"), None]), false, None),
            ("unopened: every field given", &unopened, all.clone(), false, Some(all_card.clone())),
            ("unopened, --replace: only the fields given", &unopened, one.clone(), true, Some(only_allergies.clone())),
        ];
        for (name, current, fields, replace, want) in cases {
            match (edit_card(current, fields, replace), want) {
                (Ok(got), Some(want)) => assert_eq!(got, want, "{name}"),
                (Err(e), None) => {
                    let e = e.to_string();
                    assert!(
                        e.contains("(v3) does not open here (no key of this card is wrapped for me)"),
                        "{name}: {e}"
                    );
                    assert!(e.contains("--replace") && e.contains("Nothing stored"), "{name}: {e}");
                }
                (got, want) => panic!("{name}: got {got:?}, wanted {want:?}"),
            }
        }
        let e = edit_card(&unopened, one, false).unwrap_err().to_string();
        assert!(e.contains("(--blood-group, --medications, --conditions, --emergency-contact)"), "{e}");
    }
}
