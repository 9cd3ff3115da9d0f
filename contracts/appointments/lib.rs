#![cfg_attr(not(feature = "std"), no_std, no_main)]
// The SCALE derive of enums with data variants casts the variant index
// (`usize as u8`), which trips cargo-contract's `cast_possible_truncation`
// lint inside generated code. Our own code uses no narrowing casts.
#![allow(clippy::cast_possible_truncation)]
//! # SMRMS appointments
//!
//! The paper's Appointment module (`setAppointment`, `updateAppointment`,
//! `getAppointmentPerPatient`): every appointment kept under its own id, a
//! documented status state machine, views for the two participants and the
//! head, and an optional fee held in escrow and paid out by pull payments.
//!
//! The state machine, its time and standing rules and the escrow's
//! randomized model test live in [`rules`] (the table is there).

pub mod rules;

#[ink::contract]
pub mod appointments {
    use crate::rules::{self, transition};
    pub use crate::rules::{Action, Actor, Payout, Phase, Status};
    use ink::prelude::vec::Vec;
    use ink::storage::{Lazy, Mapping};
    use smrms_shared::annex::{self, Annex, Annexed};
    use smrms_shared::list::{self, Bound};
    use smrms_shared::upgrade::{self, UpgradeLock, Upgradeable};
    use smrms_shared::{
        check_optional, check_required, collect_page, ensure, AccessAction, AccessOutcome, Attempt, DenyReason, Error,
        PermissionsApi, RegistryApi, Result, Scope, Standing, MAX_TEXT_LEN,
    };
    use smrms_shared::{in_annex, not_in_annex};

    /// Longest appointment, in minutes (24 hours).
    pub const MAX_DURATION_MIN: u32 = 24 * 60;

    /// One appointment.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Appointment {
        /// The doctor.
        pub doctor: AccountId,
        /// The patient.
        pub patient: AccountId,
        /// Start (Unix milliseconds).
        pub start: Timestamp,
        /// Duration in minutes.
        pub duration_min: u32,
        /// Reason / description (at most 512 bytes): the client's sealed bytes
        /// (readable by the patient and the doctor only) or UTF-8 text.
        pub reason: Vec<u8>,
        /// Diagnosis, filled in by the doctor (at most 512 bytes).
        pub diagnosis: Vec<u8>,
        /// Prescription, filled in by the doctor (at most 512 bytes).
        pub prescription: Vec<u8>,
        /// Current status.
        pub status: Status,
        /// Fee in the chain's smallest unit (0 = free).
        pub fee: Balance,
        /// Amount paid in and held by the contract (0 or `fee`).
        pub paid: Balance,
        /// When it was created (Unix milliseconds).
        pub created_at: Timestamp,
        /// A new start the doctor proposed, waiting for the patient
        /// (`accept_reschedule` / `decline_reschedule`); the booking keeps
        /// `start` until she accepts.
        pub proposed_start: Option<Timestamp>,
    }

    /// An appointment was created (set by a doctor or requested by a patient).
    #[ink(event)]
    pub struct AppointmentCreated {
        /// Id.
        #[ink(topic)]
        id: u64,
        /// The doctor.
        #[ink(topic)]
        doctor: AccountId,
        /// The patient.
        #[ink(topic)]
        patient: AccountId,
        /// Status at creation.
        status: Status,
        /// Start (Unix milliseconds).
        start: Timestamp,
        /// Fee.
        fee: Balance,
    }

    /// An appointment's status changed.
    #[ink(event)]
    pub struct AppointmentStatusChanged {
        /// Id.
        #[ink(topic)]
        id: u64,
        /// Who made the change.
        #[ink(topic)]
        by: AccountId,
        /// Status before.
        from: Status,
        /// Status after.
        to: Status,
    }

    /// A booked appointment's details were updated by the doctor.
    #[ink(event)]
    pub struct AppointmentUpdated {
        /// Id.
        #[ink(topic)]
        id: u64,
        /// The doctor.
        #[ink(topic)]
        doctor: AccountId,
    }

    /// The doctor proposed a new start for a booked appointment.
    #[ink(event)]
    pub struct RescheduleProposed {
        /// Id.
        #[ink(topic)]
        id: u64,
        /// The patient, who accepts or declines.
        #[ink(topic)]
        patient: AccountId,
        /// The proposed start (Unix milliseconds).
        start: Timestamp,
    }

    /// The patient answered a proposed new start.
    #[ink(event)]
    pub struct RescheduleAnswered {
        /// Id.
        #[ink(topic)]
        id: u64,
        /// The patient.
        #[ink(topic)]
        patient: AccountId,
        /// Accepted (the booking moved) or declined (it stays).
        accepted: bool,
        /// The start now booked (Unix milliseconds).
        start: Timestamp,
    }

    /// The head set the no-show grace period.
    #[ink(event)]
    pub struct NoShowGraceSet {
        /// The grace period (ms after the start).
        grace_ms: Timestamp,
    }

    /// A balance was credited for withdrawal.
    #[ink(event)]
    pub struct Credited {
        /// Who may withdraw it.
        #[ink(topic)]
        payee: AccountId,
        /// The appointment it comes from.
        #[ink(topic)]
        id: u64,
        /// Amount.
        amount: Balance,
    }

    /// A payee withdrew its credit.
    #[ink(event)]
    pub struct Withdrawn {
        /// The payee.
        #[ink(topic)]
        payee: AccountId,
        /// Amount.
        amount: Balance,
    }

    /// A doctor set the consultation fee patients pay with a request.
    #[ink(event)]
    pub struct FeeSet {
        /// The doctor.
        #[ink(topic)]
        doctor: AccountId,
        /// The fee.
        fee: Balance,
    }

    /// The outcome of `set_appointment`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum SetOutcome {
        /// Created with this id.
        Created(u64),
        /// Denied for lack of the patient's consent (logged, head told).
        Denied(DenyReason),
    }

    /// Counts of appointments.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct AppointmentCounts {
        /// All appointments in the system.
        pub total: u64,
        /// This patient's appointments (`getAppointmentPerPatient`).
        pub of_patient: u32,
        /// This account's appointments as a doctor.
        pub of_doctor: u32,
    }

    /// The appointments contract's storage.
    #[ink(storage)]
    pub struct Appointments {
        /// The suite's registry, for standings and the head.
        registry: ink::contract_ref!(RegistryApi),
        /// The suite's permissions contract, for access bases and the log.
        permissions: ink::contract_ref!(PermissionsApi),
        /// (registry, permissions) addresses, answered by `siblings()`.
        addresses: (AccountId, AccountId),
        /// Every appointment by id.
        appointments: Mapping<u64, Appointment>,
        /// The id the next appointment gets (= appointments ever created).
        next_id: u64,
        /// Each patient's list of appointment ids (`list` items).
        by_patient: Mapping<(AccountId, u32), u64>,
        /// Length of each patient's list.
        patient_len: Mapping<AccountId, u32>,
        /// Each doctor's list of appointment ids (`list` items).
        by_doctor: Mapping<(AccountId, u32), u64>,
        /// Length of each doctor's list.
        doctor_len: Mapping<AccountId, u32>,
        /// Each doctor's fee for a requested appointment.
        fees: Mapping<AccountId, Balance>,
        /// Withdrawable balances (refunds and payouts) by account.
        credits: Mapping<AccountId, Balance>,
        /// Open (unanswered) requests per (patient, doctor), against spam.
        open_with: Mapping<(AccountId, AccountId), u32>,
        /// Open requests per patient, all doctors together.
        open_total: Mapping<AccountId, u32>,
        /// How long after the start a no-show may be marked (ms); set by the head.
        no_show_grace: Timestamp,
        /// Who paid an appointment's held fee when it was not the patient (a
        /// guardian who booked or confirmed for her): refunds go back there.
        payers: Mapping<u64, AccountId>,
        /// The upgrade time lock (own cell, never read on the hot path).
        upgrade: Lazy<UpgradeLock>,
        /// The annex: the code that runs this contract's less frequent
        /// messages on this storage, and the time lock of its replacement
        /// (`smrms_shared::annex`; read only by those messages).
        annex: Lazy<Annex>,
    }

    impl Appointments {
        /// Deploys the appointments contract.
        ///
        /// # Arguments
        /// * `registry` - the suite's registry contract.
        /// * `permissions` - the suite's permissions contract.
        /// * `upgrade_delay_ms` - how long (ms) a proposed code upgrade waits
        ///   before anyone may enact it; fixed for the contract's life
        ///   (production: 604 800 000, 7 days; at most 90 days).
        /// * `annex` - hash of this contract's annex code (its annex package's
        ///   build, uploaded first; `smrms_shared::annex`).
        ///
        /// # Errors
        /// `InvalidDuration` for a delay past 90 days.
        #[ink(constructor)]
        pub fn new(
            registry: AccountId,
            permissions: AccountId,
            upgrade_delay_ms: Timestamp,
            annex: Hash,
        ) -> Result<Self> {
            let mut upgrade = Lazy::new();
            upgrade.set(&UpgradeLock::new(upgrade_delay_ms)?);
            Ok(Self {
                registry: registry.into(),
                permissions: permissions.into(),
                addresses: (registry, permissions),
                appointments: Mapping::default(),
                next_id: 0,
                by_patient: Mapping::default(),
                patient_len: Mapping::default(),
                by_doctor: Mapping::default(),
                doctor_len: Mapping::default(),
                fees: Mapping::default(),
                credits: Mapping::default(),
                open_with: Mapping::default(),
                open_total: Mapping::default(),
                no_show_grace: rules::DEFAULT_NO_SHOW_GRACE_MS,
                payers: Mapping::default(),
                upgrade,
                annex: annex::new(annex, upgrade_delay_ms)?,
            })
        }

        fn validate(start: Timestamp, now: Timestamp, duration_min: u32, reason: &[u8]) -> Result<()> {
            check_required(reason, MAX_TEXT_LEN)?;
            if duration_min == 0 || duration_min > MAX_DURATION_MIN {
                return Err(Error::InvalidDuration);
            }
            ensure!(start > now, Error::StartInPast);
            Ok(())
        }

        fn create(&mut self, a: Appointment) -> Result<u64> {
            let id = self.next_id;
            self.next_id = id.checked_add(1).ok_or(Error::Overflow)?;
            list::push(&mut self.by_patient, &mut self.patient_len, a.patient, &id, Bound::NONE)?;
            list::push(&mut self.by_doctor, &mut self.doctor_len, a.doctor, &id, Bound::NONE)?;
            self.env().emit_event(AppointmentCreated {
                id,
                doctor: a.doctor,
                patient: a.patient,
                status: a.status,
                start: a.start,
                fee: a.fee,
            });
            self.appointments.insert(id, &a);
            Ok(id)
        }

        /// One open request of `patient` with `doctor` was answered or lapsed.
        fn close_request(&mut self, patient: AccountId, doctor: AccountId) {
            let with = self.open_with.get((patient, doctor)).unwrap_or(0).saturating_sub(1);
            self.open_with.insert((patient, doctor), &with);
            let total = self.open_total.get(patient).unwrap_or(0).saturating_sub(1);
            self.open_total.insert(patient, &total);
        }

        fn credit(&mut self, payee: AccountId, id: u64, amount: Balance) -> Result<()> {
            if amount == 0 {
                return Ok(());
            }
            let c = self.credits.get(payee).unwrap_or(0);
            self.credits.insert(payee, &c.checked_add(amount).ok_or(Error::Overflow)?);
            self.env().emit_event(Credited { payee, id, amount });
            Ok(())
        }

        /// Who the caller is on appointment `a`: its doctor, its patient, or
        /// (on the patient's side) a guardian of the patient with the
        /// booking power, whose act permissions logs "by guardian" in the
        /// patient's access log.
        ///
        /// # Errors
        /// `NotParticipant` for anyone else.
        fn actor(&mut self, id: u64, a: &Appointment, caller: AccountId) -> Result<Actor> {
            if caller == a.doctor {
                return Ok(Actor::Doctor);
            }
            if caller == a.patient {
                return Ok(Actor::Patient);
            }
            let (action, attempt) = (AccessAction::ManageAppointment(id), Attempt::GuardianBooking);
            match self.permissions.authorize(a.patient, caller, Scope::Appointments, action, attempt) {
                Ok(_) => Ok(Actor::Patient),
                Err(Error::NotGuardian) => Err(Error::NotParticipant),
                Err(e) => Err(e),
            }
        }

        /// Where a refund of appointment `id`'s held fee goes: whoever paid it.
        fn payer(&self, id: u64, a: &Appointment) -> AccountId {
            self.payers.get(id).unwrap_or(a.patient)
        }

        /// Applies `action` by the caller to appointment `id`.
        fn act(&mut self, id: u64, action: Action) -> Result<()> {
            let caller = self.env().caller();
            let mut a = self.appointments.get(id).ok_or(Error::UnknownAppointment)?;
            let actor = self.actor(id, &a, caller)?;
            let phase = Phase::of(self.env().block_timestamp(), a.start, self.no_show_grace);
            // The doctor's standing at this moment (DECISIONS: re-checked at use).
            let verified = self.registry.standing(a.doctor)?.is_verified_doctor();
            let (to, payout) = transition(a.status, action, actor, phase, verified)?;
            if action == Action::Confirm {
                ensure!(self.env().transferred_value() == a.fee, Error::WrongAmount);
                a.paid = a.fee;
                if caller != a.patient && a.fee != 0 {
                    self.payers.insert(id, &caller);
                }
            } else if self.env().transferred_value() != 0 {
                return Err(Error::WrongAmount);
            }
            let from = a.status;
            if from == Status::Requested {
                self.close_request(a.patient, a.doctor);
            }
            a.status = to;
            a.proposed_start = None;
            let held = a.paid;
            match payout {
                Payout::Hold => {}
                Payout::RefundPatient => {
                    a.paid = 0;
                    let payer = self.payer(id, &a);
                    self.payers.remove(id);
                    self.credit(payer, id, held)?;
                }
                Payout::PayDoctor => {
                    a.paid = 0;
                    self.payers.remove(id);
                    self.credit(a.doctor, id, held)?;
                }
            }
            self.appointments.insert(id, &a);
            self.env().emit_event(AppointmentStatusChanged { id, by: caller, from, to });
            Ok(())
        }

        /// A verified doctor (caller) sets an appointment with a patient who
        /// granted the `Appointments` scope (the paper's `setAppointment`).
        /// Without a fee it is booked at once; with a fee it is proposed and
        /// booked when the patient pays with `confirm`.
        ///
        /// # Arguments
        /// * `patient` - the patient.
        /// * `start` - start time, Unix milliseconds (in the future).
        /// * `duration_min` - duration in minutes (1 to 1440).
        /// * `reason` - reason / description (required, at most 512 bytes; sealed bytes or UTF-8 text).
        /// * `fee` - fee in the chain's smallest unit; 0 for none.
        ///
        /// # Errors
        /// `EmptyField` / `FieldTooLong` / `InvalidDuration` / `StartInPast`;
        /// `UnknownPatient`; `NotVerifiedDoctor`. Lack of consent returns
        /// `Ok(Denied(NoConsent))`, logged and announced to the head.
        #[ink(message)]
        pub fn set_appointment(
            &mut self,
            patient: AccountId,
            start: Timestamp,
            duration_min: u32,
            reason: Vec<u8>,
            fee: Balance,
        ) -> Result<SetOutcome> {
            not_in_annex!();
            let doctor = self.env().caller();
            let now = self.env().block_timestamp();
            Self::validate(start, now, duration_min, &reason)?;
            // patient registered, doctor verified, consent: decided and logged in one call
            let action = AccessAction::SetAppointment;
            let auth =
                self.permissions.authorize(patient, doctor, Scope::Appointments, action, Attempt::DoctorWrite)?;
            if let AccessOutcome::Denied(reason) = auth.announce(patient, doctor, action) {
                return Ok(SetOutcome::Denied(reason));
            }
            let status = if fee == 0 { Status::Booked } else { Status::Proposed };
            let id = self.create(Appointment {
                doctor,
                patient,
                start,
                duration_min,
                reason,
                diagnosis: Vec::new(),
                prescription: Vec::new(),
                status,
                fee,
                paid: 0,
                created_at: now,
                proposed_start: None,
            })?;
            Ok(SetOutcome::Created(id))
        }

        /// A patient (caller) requests an appointment with a verified doctor,
        /// paying the doctor's fee (see `fee_of`) with the call; the fee is
        /// held until the appointment is completed (to the doctor) or
        /// declined / cancelled (back to the patient).
        ///
        /// # Arguments
        /// * `doctor` - the doctor.
        /// * `start` - start time, Unix milliseconds (in the future).
        /// * `duration_min` - duration in minutes (1 to 1440).
        /// * `reason` - reason (required, at most 512 bytes; sealed bytes or UTF-8 text).
        ///
        /// # Errors
        /// `NotAPatient`; `NotVerifiedDoctor` for the named doctor;
        /// `WrongAmount` unless the value sent is exactly the doctor's fee;
        /// `EmptyField` / `FieldTooLong` / `InvalidDuration` / `StartInPast`;
        /// `TooManyOpenRequests` past 3 unanswered requests with this doctor
        /// or 16 in all.
        #[ink(message, payable)]
        pub fn request_appointment(
            &mut self,
            doctor: AccountId,
            start: Timestamp,
            duration_min: u32,
            reason: Vec<u8>,
        ) -> Result<u64> {
            not_in_annex!();
            let patient = self.env().caller();
            let now = self.env().block_timestamp();
            Self::validate(start, now, duration_min, &reason)?;
            // both standings in one call into the registry
            let (standing, doctor_standing) = self.registry.standing_pair(patient, doctor)?;
            ensure!(standing == Standing::Patient, Error::NotAPatient);
            self.open_request(patient, doctor, doctor_standing, start, duration_min, reason)
        }

        /// A guardian (caller) with the booking power requests an appointment
        /// for the patient with a verified doctor, paying the doctor's fee
        /// with the call, exactly as the patient would with
        /// `request_appointment`; a refund of that fee is credited to the
        /// guardian. Logged in the patient's access log "by guardian".
        ///
        /// # Arguments
        /// * `patient` - the patient she is guardian of.
        /// * `doctor` - the doctor.
        /// * `start` - start time, Unix milliseconds (in the future).
        /// * `duration_min` - duration in minutes (1 to 1440).
        /// * `reason` - reason (required, at most 512 bytes; sealed bytes or UTF-8 text).
        ///
        /// # Errors
        /// `UnknownPatient`; `NotGuardian` unless a guardian of the patient
        /// with the booking power, in force and in good standing now; then
        /// as `request_appointment`.
        #[ink(message, payable)]
        pub fn request_appointment_for(
            &mut self,
            patient: AccountId,
            doctor: AccountId,
            start: Timestamp,
            duration_min: u32,
            reason: Vec<u8>,
        ) -> Result<u64> {
            in_annex!(&self.annex);
            let guardian = self.env().caller();
            Self::validate(start, self.env().block_timestamp(), duration_min, &reason)?;
            let (action, attempt) = (AccessAction::BookAppointment, Attempt::GuardianBooking);
            self.permissions.authorize(patient, guardian, Scope::Appointments, action, attempt)?;
            let doctor_standing = self.registry.standing(doctor)?;
            let id = self.open_request(patient, doctor, doctor_standing, start, duration_min, reason)?;
            if self.env().transferred_value() != 0 {
                self.payers.insert(id, &guardian);
            }
            Ok(id)
        }

        /// Opens a request of `patient` (checked by the caller) with `doctor`
        /// (whose standing the caller read from the registry), holding the
        /// value sent as the doctor's fee.
        fn open_request(
            &mut self,
            patient: AccountId,
            doctor: AccountId,
            doctor_standing: Standing,
            start: Timestamp,
            duration_min: u32,
            reason: Vec<u8>,
        ) -> Result<u64> {
            let now = self.env().block_timestamp();
            ensure!(doctor_standing.is_verified_doctor(), Error::NotVerifiedDoctor);
            let fee = self.fees.get(doctor).unwrap_or(0);
            ensure!(self.env().transferred_value() == fee, Error::WrongAmount);
            let with = self.open_with.get((patient, doctor)).unwrap_or(0);
            let total = self.open_total.get(patient).unwrap_or(0);
            rules::may_open_request(with, total)?;
            self.open_with.insert((patient, doctor), &with.checked_add(1).ok_or(Error::Overflow)?);
            self.open_total.insert(patient, &total.checked_add(1).ok_or(Error::Overflow)?);
            self.create(Appointment {
                doctor,
                patient,
                start,
                duration_min,
                reason,
                diagnosis: Vec::new(),
                prescription: Vec::new(),
                status: Status::Requested,
                fee,
                paid: fee,
                created_at: now,
                proposed_start: None,
            })
        }

        /// A doctor (caller) sets the fee patients pay with a request.
        ///
        /// # Arguments
        /// * `fee` - in the chain's smallest unit; 0 for free.
        ///
        /// # Errors
        /// `NotVerifiedDoctor`.
        #[ink(message)]
        pub fn set_fee(&mut self, fee: Balance) -> Result<()> {
            in_annex!(&self.annex);
            let doctor = self.env().caller();
            ensure!(self.registry.standing(doctor)?.is_verified_doctor(), Error::NotVerifiedDoctor);
            self.fees.insert(doctor, &fee);
            self.env().emit_event(FeeSet { doctor, fee });
            Ok(())
        }

        /// A doctor's fee for a requested appointment.
        #[ink(message)]
        pub fn fee_of(&self, doctor: AccountId) -> Result<Balance> {
            in_annex!(&self.annex);
            Ok(self.fees.get(doctor).unwrap_or(0))
        }

        /// The doctor accepts a requested appointment before its start:
        /// Requested → Booked. The fee stays held.
        ///
        /// # Arguments
        /// * `id` - the appointment.
        ///
        /// # Errors
        /// `UnknownAppointment`; `NotParticipant`; `NotAllowed` for the
        /// patient; `NotVerifiedDoctor` unless the doctor is verified now;
        /// `TooLate` at or after the start (the request lapsed);
        /// `InvalidTransition`.
        #[ink(message)]
        pub fn accept(&mut self, id: u64) -> Result<()> {
            in_annex!(&self.annex);
            self.act(id, Action::Accept)
        }

        /// The doctor declines a requested appointment: Requested → Declined;
        /// the fee is credited back to whoever paid it (the patient, or her
        /// guardian who requested it for her).
        ///
        /// # Arguments
        /// * `id` - the appointment.
        ///
        /// # Errors
        /// `UnknownAppointment`; `NotParticipant`; `NotAllowed` for the
        /// patient; `InvalidTransition`.
        #[ink(message)]
        pub fn decline(&mut self, id: u64) -> Result<()> {
            in_annex!(&self.annex);
            self.act(id, Action::Decline)
        }

        /// The patient confirms a doctor's proposed appointment by paying its
        /// fee, before its start: Proposed → Booked. A guardian of the
        /// patient with the booking power may confirm for her (logged); a
        /// refund then goes to the guardian.
        ///
        /// # Arguments
        /// * `id` - the appointment.
        ///
        /// # Errors
        /// `UnknownAppointment`; `NotParticipant`; `NotAllowed` for the
        /// doctor; `NotVerifiedDoctor` unless the doctor is verified now;
        /// `TooLate` at or after the start; `InvalidTransition`;
        /// `WrongAmount` unless exactly the fee.
        #[ink(message, payable)]
        pub fn confirm(&mut self, id: u64) -> Result<()> {
            in_annex!(&self.annex);
            self.act(id, Action::Confirm)
        }

        /// Cancels an appointment; any fee held is credited back to whoever
        /// paid it (the patient, or her guardian who booked or confirmed for
        /// her). The doctor may cancel at any time. The patient may cancel
        /// a request or proposal at any time (after its start it lapsed: this
        /// is how she reclaims her fee herself), and a booked appointment
        /// before its start, or at any time while the doctor is not verified.
        /// A guardian of the patient with the booking power may act as the
        /// patient (logged).
        ///
        /// # Arguments
        /// * `id` - the appointment.
        ///
        /// # Errors
        /// `UnknownAppointment`; `NotParticipant`; `TooLate`; `InvalidTransition`.
        #[ink(message)]
        pub fn cancel(&mut self, id: u64) -> Result<()> {
            in_annex!(&self.annex);
            self.act(id, Action::Cancel)
        }

        /// Either participant marks a booked appointment completed, after its
        /// start (the paper: "the patient or doctor can update the
        /// appointment to change its status to completed"), or a guardian of
        /// the patient with the booking power (logged). Any fee held is
        /// credited to the doctor, who must be verified at that moment.
        ///
        /// # Arguments
        /// * `id` - the appointment.
        ///
        /// # Errors
        /// `UnknownAppointment`; `NotParticipant`; `TooEarly`;
        /// `NotVerifiedDoctor`; `InvalidTransition`.
        #[ink(message)]
        pub fn complete(&mut self, id: u64) -> Result<()> {
            not_in_annex!();
            self.act(id, Action::Complete)
        }

        /// The doctor marks that the patient did not come, once the start
        /// plus the head's grace period (`no_show_grace`) has passed. Any
        /// fee held is credited to the doctor, who must be verified.
        ///
        /// # Arguments
        /// * `id` - the appointment.
        ///
        /// # Errors
        /// `UnknownAppointment`; `NotParticipant`; `NotAllowed` for the
        /// patient; `TooEarly` before start + grace; `NotVerifiedDoctor`;
        /// `InvalidTransition`.
        #[ink(message)]
        pub fn mark_no_show(&mut self, id: u64) -> Result<()> {
            in_annex!(&self.annex);
            self.act(id, Action::NoShow)
        }

        /// The doctor updates a booked appointment (the paper's
        /// `updateAppointment`): duration, reason, diagnosis and prescription
        /// at once; a different `start` is only *proposed*: the booking moves
        /// when the patient accepts it (`accept_reschedule`), so the doctor
        /// cannot shorten her right to cancel with a refund. Logged in the
        /// patient's access log.
        ///
        /// # Arguments
        /// * `id` - the appointment.
        /// * `start` - the booked start to keep it, or a new one to propose
        ///   (Unix milliseconds, in the future).
        /// * `duration_min` - minutes (1 to 1440).
        /// * `reason` - reason (required, at most 512 bytes; sealed bytes or UTF-8 text).
        /// * `diagnosis` - diagnosis (at most 512 bytes; sealed bytes or UTF-8 text).
        /// * `prescription` - prescription (at most 512 bytes; sealed bytes or UTF-8 text).
        ///
        /// # Errors
        /// `UnknownAppointment`; `NotParticipant` unless the doctor;
        /// `NotVerifiedDoctor` unless verified now; `InvalidTransition`
        /// unless booked; field errors; `StartInPast` for a new start that
        /// is not in the future.
        #[ink(message)]
        pub fn update_appointment(
            &mut self,
            id: u64,
            start: Timestamp,
            duration_min: u32,
            reason: Vec<u8>,
            diagnosis: Vec<u8>,
            prescription: Vec<u8>,
        ) -> Result<()> {
            in_annex!(&self.annex);
            let caller = self.env().caller();
            let now = self.env().block_timestamp();
            let mut a = self.appointments.get(id).ok_or(Error::UnknownAppointment)?;
            ensure!(caller == a.doctor, Error::NotParticipant);
            ensure!(a.status == Status::Booked, Error::InvalidTransition);
            check_required(&reason, MAX_TEXT_LEN)?;
            check_optional(&diagnosis, MAX_TEXT_LEN)?;
            check_optional(&prescription, MAX_TEXT_LEN)?;
            if duration_min == 0 || duration_min > MAX_DURATION_MIN {
                return Err(Error::InvalidDuration);
            }
            if start != a.start && start <= now {
                return Err(Error::StartInPast);
            }
            // the appointment's doctor, verified now: logged in one call
            let (action, attempt) = (AccessAction::UpdateAppointment, Attempt::ParticipantWrite);
            self.permissions.authorize(a.patient, caller, Scope::Appointments, action, attempt)?;
            if start != a.start {
                a.proposed_start = Some(start);
                self.env().emit_event(RescheduleProposed { id, patient: a.patient, start });
            }
            a.duration_min = duration_min;
            a.reason = reason;
            a.diagnosis = diagnosis;
            a.prescription = prescription;
            self.appointments.insert(id, &a);
            self.env().emit_event(AppointmentUpdated { id, doctor: caller });
            Ok(())
        }

        /// The patient (or her guardian with the booking power, logged)
        /// accepts the doctor's proposed new start: the booking moves to it.
        ///
        /// # Arguments
        /// * `id` - the appointment.
        ///
        /// # Errors
        /// `UnknownAppointment`; `NotParticipant` unless the patient;
        /// `InvalidTransition` unless booked; `NoReschedule` if none is
        /// proposed; `TooLate` if the proposed start has passed.
        #[ink(message)]
        pub fn accept_reschedule(&mut self, id: u64) -> Result<()> {
            in_annex!(&self.annex);
            self.answer_reschedule(id, true)
        }

        /// The patient (or her guardian with the booking power, logged)
        /// declines the doctor's proposed new start: the booking stays where
        /// it was.
        ///
        /// # Arguments
        /// * `id` - the appointment.
        ///
        /// # Errors
        /// `UnknownAppointment`; `NotParticipant` unless the patient;
        /// `InvalidTransition` unless booked; `NoReschedule`.
        #[ink(message)]
        pub fn decline_reschedule(&mut self, id: u64) -> Result<()> {
            in_annex!(&self.annex);
            self.answer_reschedule(id, false)
        }

        fn answer_reschedule(&mut self, id: u64, accepted: bool) -> Result<()> {
            let mut a = self.appointments.get(id).ok_or(Error::UnknownAppointment)?;
            let actor = self.actor(id, &a, self.env().caller())?;
            ensure!(actor == Actor::Patient, Error::NotParticipant);
            ensure!(a.status == Status::Booked, Error::InvalidTransition);
            let proposed = a.proposed_start.take().ok_or(Error::NoReschedule)?;
            if accepted {
                ensure!(proposed > self.env().block_timestamp(), Error::TooLate);
                a.start = proposed;
            }
            self.appointments.insert(id, &a);
            self.env().emit_event(RescheduleAnswered { id, patient: a.patient, accepted, start: a.start });
            Ok(())
        }

        /// The head sets how long after an appointment's start a doctor must
        /// wait before marking a no-show (default 15 minutes).
        ///
        /// # Arguments
        /// * `grace_ms` - milliseconds, at most 24 hours.
        ///
        /// # Errors
        /// `NotHead`; `InvalidDuration` past 24 hours.
        #[ink(message)]
        pub fn set_no_show_grace(&mut self, grace_ms: Timestamp) -> Result<()> {
            in_annex!(&self.annex);
            self.ensure_head()?;
            ensure!(grace_ms <= rules::MAX_NO_SHOW_GRACE_MS, Error::InvalidDuration);
            self.no_show_grace = grace_ms;
            self.env().emit_event(NoShowGraceSet { grace_ms });
            Ok(())
        }

        /// The no-show grace period (ms after the start).
        #[ink(message)]
        pub fn no_show_grace(&self) -> Result<Timestamp> {
            in_annex!(&self.annex);
            Ok(self.no_show_grace)
        }

        /// Withdraws the caller's credited fees and refunds (pull payment).
        ///
        /// # Errors
        /// `NothingToWithdraw`; `TransferFailed` (the credit is kept).
        #[ink(message)]
        pub fn withdraw(&mut self) -> Result<Balance> {
            in_annex!(&self.annex);
            let payee = self.env().caller();
            let amount = self.credits.get(payee).unwrap_or(0);
            ensure!(amount != 0, Error::NothingToWithdraw);
            self.credits.remove(payee);
            self.env().transfer(payee, amount).map_err(|_| Error::TransferFailed)?;
            self.env().emit_event(Withdrawn { payee, amount });
            Ok(amount)
        }

        /// The balance `account` may withdraw.
        #[ink(message)]
        pub fn credit_of(&self, account: AccountId) -> Result<Balance> {
            in_annex!(&self.annex);
            Ok(self.credits.get(account).unwrap_or(0))
        }

        fn may_view(&self, a: &Appointment) -> Result<bool> {
            let caller = self.env().caller();
            Ok(caller == a.doctor
                || caller == a.patient
                || caller == self.registry.head()?
                || self.permissions.is_booking_guardian(a.patient, caller)?)
        }

        /// One appointment, for its doctor, its patient, her guardians with
        /// the booking power, and the head (advisory, like every query).
        ///
        /// # Errors
        /// `UnknownAppointment`; `NotParticipant`.
        #[ink(message)]
        pub fn appointment(&self, id: u64) -> Result<Appointment> {
            in_annex!(&self.annex);
            let a = self.appointments.get(id).ok_or(Error::UnknownAppointment)?;
            ensure!(self.may_view(&a)?, Error::NotParticipant);
            Ok(a)
        }

        fn page(&self, as_doctor: bool, who: AccountId, start: u32, limit: u32) -> Vec<(u64, Appointment)> {
            let len = if as_doctor { list::len(&self.doctor_len, who) } else { list::len(&self.patient_len, who) };
            collect_page(start, limit, len, |i| {
                let id =
                    if as_doctor { list::get(&self.by_doctor, who, i) } else { list::get(&self.by_patient, who, i) }?;
                Some((id, self.appointments.get(id)?))
            })
        }

        /// A page of a patient's appointments, for the patient, her guardians
        /// with the booking power, and the head (the paper: "patients can
        /// view their appointments").
        ///
        /// # Errors
        /// `NotParticipant` for anyone else.
        #[ink(message)]
        pub fn patient_appointments(
            &self,
            patient: AccountId,
            start: u32,
            limit: u32,
        ) -> Result<Vec<(u64, Appointment)>> {
            in_annex!(&self.annex);
            let caller = self.env().caller();
            let allowed = caller == patient
                || caller == self.registry.head()?
                || self.permissions.is_booking_guardian(patient, caller)?;
            ensure!(allowed, Error::NotParticipant);
            Ok(self.page(false, patient, start, limit))
        }

        /// A page of a doctor's appointments, for the doctor and the head.
        ///
        /// # Errors
        /// `NotParticipant` for anyone else.
        #[ink(message)]
        pub fn doctor_appointments(
            &self,
            doctor: AccountId,
            start: u32,
            limit: u32,
        ) -> Result<Vec<(u64, Appointment)>> {
            in_annex!(&self.annex);
            let caller = self.env().caller();
            if caller != doctor && caller != self.registry.head()? {
                return Err(Error::NotParticipant);
            }
            Ok(self.page(true, doctor, start, limit))
        }

        /// Counts: all appointments, and `account`'s as patient and as
        /// doctor (the paper's `getAppointmentPerPatient`).
        #[ink(message)]
        pub fn counts(&self, account: AccountId) -> Result<AppointmentCounts> {
            in_annex!(&self.annex);
            Ok(AppointmentCounts {
                total: self.next_id,
                of_patient: list::len(&self.patient_len, account),
                of_doctor: list::len(&self.doctor_len, account),
            })
        }

        /// **Benchmark builds only** (`--features bench`): creates `n` booked
        /// appointments between the caller (as doctor) and `patient`, without checks.
        #[cfg(feature = "bench")]
        #[ink(message)]
        pub fn bench_fill(&mut self, patient: AccountId, n: u32) -> Result<u64> {
            in_annex!(&self.annex);
            let doctor = self.env().caller();
            let now = self.env().block_timestamp();
            for _ in 0..n {
                self.create(Appointment {
                    doctor,
                    patient,
                    start: now.saturating_add(86_400_000),
                    duration_min: 30,
                    reason: b"bench".to_vec(),
                    diagnosis: Vec::new(),
                    prescription: Vec::new(),
                    status: Status::Booked,
                    fee: 0,
                    paid: 0,
                    created_at: now,
                    proposed_start: None,
                })?;
            }
            Ok(self.next_id)
        }

        /// The registry and permissions contracts this contract trusts.
        #[ink(message)]
        pub fn siblings(&self) -> Result<(AccountId, AccountId)> {
            in_annex!(&self.annex);
            Ok(self.addresses)
        }
    }

    /// Time-locked code upgrades (see `smrms_shared::upgrade`); the head is
    /// the registry's.
    impl Upgradeable for Appointments {
        /// Proposes new code for this contract; the head only. Enactable by
        /// anyone after the upgrade delay. Returns the earliest time (ms).
        #[ink(message)]
        fn propose_upgrade(&mut self, code_hash: Hash) -> Result<Timestamp> {
            in_annex!(&self.annex);
            self.ensure_head()?;
            upgrade::propose(&mut self.upgrade, code_hash)
        }

        /// Withdraws the pending upgrade; the head only.
        #[ink(message)]
        fn cancel_upgrade(&mut self) -> Result<()> {
            in_annex!(&self.annex);
            self.ensure_head()?;
            upgrade::cancel(&mut self.upgrade)
        }

        /// Switches to the pending code once its time has come; anyone.
        #[ink(message)]
        fn enact_upgrade(&mut self) -> Result<Hash> {
            in_annex!(&self.annex);
            upgrade::enact(&mut self.upgrade)
        }

        /// The upgrade delay and the pending proposal; anyone.
        #[ink(message)]
        fn upgrade_status(&self) -> Result<UpgradeLock> {
            in_annex!(&self.annex);
            Ok(upgrade::status(&self.upgrade))
        }
    }

    /// The time-locked replacement of this contract's annex (see
    /// `smrms_shared::annex`); the head proposes and cancels, anyone enacts
    /// after the upgrade delay.
    impl Annexed for Appointments {
        #[ink(message)]
        fn propose_annex(&mut self, code_hash: Hash) -> Result<Timestamp> {
            in_annex!(&self.annex);
            self.ensure_head()?;
            annex::propose(&mut self.annex, code_hash)
        }

        #[ink(message)]
        fn cancel_annex(&mut self) -> Result<()> {
            in_annex!(&self.annex);
            self.ensure_head()?;
            annex::cancel(&mut self.annex)
        }

        #[ink(message)]
        fn enact_annex(&mut self) -> Result<Hash> {
            in_annex!(&self.annex);
            annex::enact(&mut self.annex)
        }

        #[ink(message)]
        fn annex(&self) -> Result<Option<Annex>> {
            in_annex!(&self.annex);
            Ok(self.annex.get())
        }
    }

    #[ink(impl)]
    impl Appointments {
        /// `NotHead` unless the caller is the registry's head (one
        /// cross-contract call; used by administrative messages only).
        fn ensure_head(&self) -> Result<()> {
            ensure!(self.env().caller() == self.registry.head()?, Error::NotHead);
            Ok(())
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn input_validation() {
            assert_eq!(Appointments::validate(10, 5, 30, b""), Err(Error::EmptyField));
            assert_eq!(Appointments::validate(10, 5, 0, b"r"), Err(Error::InvalidDuration));
            assert_eq!(Appointments::validate(10, 5, MAX_DURATION_MIN + 1, b"r"), Err(Error::InvalidDuration));
            assert_eq!(Appointments::validate(5, 5, 30, b"r"), Err(Error::StartInPast));
            assert_eq!(Appointments::validate(6, 5, 30, b"r"), Ok(()));
        }
    }
}
