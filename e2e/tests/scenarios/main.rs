//! The SMRMS end-to-end scenarios, each named after what a user does, in one
//! test binary so that they run in parallel, each on its own
//! `substrate-contracts-node` that `#[ink_e2e::test]` starts:
//!
//! `cargo test -p smrms-e2e --features e2e-tests -- --nocapture`
//!
//! `setup` deploys and wires the suite, builds the cast and holds the
//! helpers; every other module is one scenario.
#![cfg(feature = "e2e-tests")]

#[macro_use]
mod setup;

mod doctor_adds_record_with_consent;
mod doctor_prescribes_and_patient_stops_medication;
mod emergency_doctor_reads_card_through_custodian;
mod guardian_books_appointments_for_patient;
mod head_upgrades_contracts_under_time_lock;
mod head_verifies_providers_and_hands_over;
mod nobody_reads_without_permission;
mod patient_appoints_guardian_who_acts_for_her;
mod patient_books_and_completes_appointment;
mod patient_grants_and_revokes_access;
mod patient_reclaims_fee_and_doctor_waits_for_her;
mod patient_shares_and_shreds_record_keys;
