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
//! ## Status transitions
//! | from | action | by | to | fee |
//! |---|---|---|---|---|
//! | – | `request_appointment` (pays the doctor's fee) | patient | Requested | held |
//! | – | `set_appointment`, fee 0 | doctor | Booked | – |
//! | – | `set_appointment`, fee > 0 | doctor | Proposed | – |
//! | Requested | `accept` | doctor | Booked | held |
//! | Requested | `decline` | doctor | Declined | refunded to patient |
//! | Proposed | `confirm` (pays the fee) | patient | Booked | held |
//! | Requested / Proposed / Booked | `cancel` | doctor, any time | Cancelled | refunded |
//! | Requested / Proposed / Booked | `cancel` | patient, before start | Cancelled | refunded |
//! | Booked | `complete` | either, after start | Completed | released to doctor |
//! | Booked | `mark_no_show` | doctor, after start | NoShow | released to doctor |
//!
//! Every other transition is `InvalidTransition`.

#[ink::contract]
pub mod appointments {
    use ink::prelude::{string::String, vec::Vec};
    use ink::storage::Mapping;
    use smrms_shared::{
        AccessDenied,
        check_optional, check_required, collect_page, decide_access, AccessAction, AccessLogEntry,
        AccessOutcome, DenyReason, Error, PermissionsApi, RegistryApi, Result, Scope, Standing,
        MAX_TEXT_LEN,
    };

    /// Longest appointment, in minutes (24 hours).
    pub const MAX_DURATION_MIN: u32 = 24 * 60;

    /// Status of an appointment.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub enum Status {
        /// Requested by the patient (fee paid), waiting for the doctor.
        Requested,
        /// Set by the doctor with a fee, waiting for the patient to pay it.
        Proposed,
        /// Booked: will take place.
        Booked,
        /// Took place (marked by either participant after the start).
        Completed,
        /// Cancelled (fee refunded).
        Cancelled,
        /// Declined by the doctor (fee refunded).
        Declined,
        /// The patient did not come (marked by the doctor; fee to the doctor).
        NoShow,
    }

    /// Who acts on an appointment.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Actor {
        /// The appointment's doctor.
        Doctor,
        /// The appointment's patient.
        Patient,
    }

    /// An action on an existing appointment.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Action {
        /// Doctor accepts a request.
        Accept,
        /// Doctor declines a request.
        Decline,
        /// Patient pays a proposed appointment's fee.
        Confirm,
        /// Either side cancels.
        Cancel,
        /// Either side marks it completed.
        Complete,
        /// Doctor marks a no-show.
        NoShow,
    }

    /// Where the held fee goes after a transition.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Payout {
        /// Stays held (or there is none).
        Hold,
        /// Credited back to the patient.
        RefundPatient,
        /// Credited to the doctor.
        PayDoctor,
    }

    /// The state machine as a pure function: the next status and where
    /// the fee goes, or the error.
    pub fn transition(from: Status, action: Action, actor: Actor, before_start: bool) -> Result<(Status, Payout)> {
        use Action as A;
        use Actor::*;
        use Status as S;
        match (from, action, actor) {
            (S::Requested, A::Accept, Doctor) => Ok((S::Booked, Payout::Hold)),
            (S::Requested, A::Decline, Doctor) => Ok((S::Declined, Payout::RefundPatient)),
            (S::Proposed, A::Confirm, Patient) => Ok((S::Booked, Payout::Hold)),
            (S::Requested | S::Proposed | S::Booked, A::Cancel, Doctor) => Ok((S::Cancelled, Payout::RefundPatient)),
            (S::Requested | S::Proposed | S::Booked, A::Cancel, Patient) => {
                if before_start {
                    Ok((S::Cancelled, Payout::RefundPatient))
                } else {
                    Err(Error::TooLate)
                }
            }
            (S::Booked, A::Complete, _) | (S::Booked, A::NoShow, Doctor) => {
                if before_start {
                    Err(Error::TooEarly)
                } else if action == A::Complete {
                    Ok((S::Completed, Payout::PayDoctor))
                } else {
                    Ok((S::NoShow, Payout::PayDoctor))
                }
            }
            (_, A::Accept | A::Decline | A::NoShow, Patient) | (_, A::Confirm, Doctor) => Err(Error::NotAllowed),
            _ => Err(Error::InvalidTransition),
        }
    }

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
        /// Reason / description (at most 512 bytes).
        pub reason: String,
        /// Diagnosis, filled in by the doctor (at most 512 bytes).
        pub diagnosis: String,
        /// Prescription, filled in by the doctor (at most 512 bytes).
        pub prescription: String,
        /// Current status.
        pub status: Status,
        /// Fee in the chain's smallest unit (0 = free).
        pub fee: Balance,
        /// Amount paid in and held by the contract (0 or `fee`).
        pub paid: Balance,
        /// When it was created (Unix milliseconds).
        pub created_at: Timestamp,
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
        registry: ink::contract_ref!(RegistryApi),
        permissions: ink::contract_ref!(PermissionsApi),
        addresses: (AccountId, AccountId),
        appointments: Mapping<u64, Appointment>,
        next_id: u64,
        by_patient: Mapping<(AccountId, u32), u64>,
        patient_len: Mapping<AccountId, u32>,
        by_doctor: Mapping<(AccountId, u32), u64>,
        doctor_len: Mapping<AccountId, u32>,
        fees: Mapping<AccountId, Balance>,
        credits: Mapping<AccountId, Balance>,
    }

    impl Appointments {
        /// Deploys the appointments contract.
        ///
        /// # Arguments
        /// * `registry` - the suite's registry contract.
        /// * `permissions` - the suite's permissions contract.
        #[ink(constructor)]
        pub fn new(registry: AccountId, permissions: AccountId) -> Self {
            Self {
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
            }
        }

        fn validate(start: Timestamp, now: Timestamp, duration_min: u32, reason: &str) -> Result<()> {
            check_required(reason, MAX_TEXT_LEN)?;
            if duration_min == 0 || duration_min > MAX_DURATION_MIN {
                return Err(Error::InvalidDuration);
            }
            if start <= now {
                return Err(Error::StartInPast);
            }
            Ok(())
        }

        fn create(&mut self, a: Appointment) -> Result<u64> {
            let id = self.next_id;
            self.next_id = id.checked_add(1).ok_or(Error::Overflow)?;
            let pl = self.patient_len.get(a.patient).unwrap_or(0);
            self.by_patient.insert((a.patient, pl), &id);
            self.patient_len.insert(a.patient, &pl.checked_add(1).ok_or(Error::Overflow)?);
            let dl = self.doctor_len.get(a.doctor).unwrap_or(0);
            self.by_doctor.insert((a.doctor, dl), &id);
            self.doctor_len.insert(a.doctor, &dl.checked_add(1).ok_or(Error::Overflow)?);
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

        fn credit(&mut self, payee: AccountId, id: u64, amount: Balance) -> Result<()> {
            if amount == 0 {
                return Ok(());
            }
            let c = self.credits.get(payee).unwrap_or(0);
            self.credits.insert(payee, &c.checked_add(amount).ok_or(Error::Overflow)?);
            self.env().emit_event(Credited { payee, id, amount });
            Ok(())
        }

        /// Applies `action` by the caller to appointment `id`.
        fn act(&mut self, id: u64, action: Action) -> Result<()> {
            let caller = self.env().caller();
            let mut a = self.appointments.get(id).ok_or(Error::UnknownAppointment)?;
            let actor = if caller == a.doctor {
                Actor::Doctor
            } else if caller == a.patient {
                Actor::Patient
            } else {
                return Err(Error::NotParticipant);
            };
            let before_start = self.env().block_timestamp() < a.start;
            let (to, payout) = transition(a.status, action, actor, before_start)?;
            if action == Action::Confirm {
                if self.env().transferred_value() != a.fee {
                    return Err(Error::WrongAmount);
                }
                a.paid = a.fee;
            } else if self.env().transferred_value() != 0 {
                return Err(Error::WrongAmount);
            }
            let from = a.status;
            a.status = to;
            let held = a.paid;
            match payout {
                Payout::Hold => {}
                Payout::RefundPatient => {
                    a.paid = 0;
                    self.credit(a.patient, id, held)?;
                }
                Payout::PayDoctor => {
                    a.paid = 0;
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
        /// * `reason` - reason / description (required, at most 512 bytes).
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
            reason: String,
            fee: Balance,
        ) -> Result<SetOutcome> {
            let doctor = self.env().caller();
            let now = self.env().block_timestamp();
            Self::validate(start, now, duration_min, &reason)?;
            if self.registry.standing(patient)? != Standing::Patient {
                return Err(Error::UnknownPatient);
            }
            let standing = self.registry.standing(doctor)?;
            if !standing.is_verified_doctor() {
                return Err(Error::NotVerifiedDoctor);
            }
            let basis = self.permissions.access_basis(patient, doctor, Scope::Appointments)?;
            let outcome = decide_access(basis, standing, Scope::Appointments);
            let entry = AccessLogEntry { accessor: doctor, action: AccessAction::SetAppointment, outcome, at: now };
            self.permissions.log_access(patient, entry)?;
            if let AccessOutcome::Denied(reason) = outcome {
                let head = self.registry.head()?;
                self.env().emit_event(AccessDenied {
                    patient,
                    head,
                    accessor: doctor,
                    action: AccessAction::SetAppointment,
                    reason,
                });
                return Ok(SetOutcome::Denied(reason));
            }
            let status = if fee == 0 { Status::Booked } else { Status::Proposed };
            let id = self.create(Appointment {
                doctor,
                patient,
                start,
                duration_min,
                reason,
                diagnosis: String::new(),
                prescription: String::new(),
                status,
                fee,
                paid: 0,
                created_at: now,
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
        /// * `reason` - reason (required, at most 512 bytes).
        ///
        /// # Errors
        /// `NotAPatient`; `NotVerifiedDoctor` for the named doctor;
        /// `WrongAmount` unless the value sent is exactly the doctor's fee;
        /// `EmptyField` / `FieldTooLong` / `InvalidDuration` / `StartInPast`.
        #[ink(message, payable)]
        pub fn request_appointment(&mut self, doctor: AccountId, start: Timestamp, duration_min: u32, reason: String) -> Result<u64> {
            let patient = self.env().caller();
            let now = self.env().block_timestamp();
            Self::validate(start, now, duration_min, &reason)?;
            if self.registry.standing(patient)? != Standing::Patient {
                return Err(Error::NotAPatient);
            }
            if !self.registry.standing(doctor)?.is_verified_doctor() {
                return Err(Error::NotVerifiedDoctor);
            }
            let fee = self.fees.get(doctor).unwrap_or(0);
            if self.env().transferred_value() != fee {
                return Err(Error::WrongAmount);
            }
            self.create(Appointment {
                doctor,
                patient,
                start,
                duration_min,
                reason,
                diagnosis: String::new(),
                prescription: String::new(),
                status: Status::Requested,
                fee,
                paid: fee,
                created_at: now,
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
            let doctor = self.env().caller();
            if !self.registry.standing(doctor)?.is_verified_doctor() {
                return Err(Error::NotVerifiedDoctor);
            }
            self.fees.insert(doctor, &fee);
            self.env().emit_event(FeeSet { doctor, fee });
            Ok(())
        }

        /// A doctor's fee for a requested appointment.
        #[ink(message)]
        pub fn fee_of(&self, doctor: AccountId) -> Result<Balance> {
            Ok(self.fees.get(doctor).unwrap_or(0))
        }

        /// The doctor accepts a requested appointment: Requested → Booked.
        ///
        /// # Errors
        /// `UnknownAppointment`; `NotParticipant`; `NotAllowed` for the
        /// patient; `InvalidTransition`.
        #[ink(message)]
        pub fn accept(&mut self, id: u64) -> Result<()> {
            self.act(id, Action::Accept)
        }

        /// The doctor declines a requested appointment: Requested → Declined;
        /// the fee is credited back to the patient.
        ///
        /// # Errors
        /// As `accept`.
        #[ink(message)]
        pub fn decline(&mut self, id: u64) -> Result<()> {
            self.act(id, Action::Decline)
        }

        /// The patient confirms a doctor's proposed appointment by paying its
        /// fee: Proposed → Booked.
        ///
        /// # Errors
        /// `UnknownAppointment`; `NotParticipant`; `NotAllowed` for the
        /// doctor; `InvalidTransition`; `WrongAmount` unless exactly the fee.
        #[ink(message, payable)]
        pub fn confirm(&mut self, id: u64) -> Result<()> {
            self.act(id, Action::Confirm)
        }

        /// Cancels an appointment: the doctor at any time, the patient before
        /// the start. Any fee held is credited back to the patient.
        ///
        /// # Errors
        /// `UnknownAppointment`; `NotParticipant`; `TooLate`; `InvalidTransition`.
        #[ink(message)]
        pub fn cancel(&mut self, id: u64) -> Result<()> {
            self.act(id, Action::Cancel)
        }

        /// Either participant marks a booked appointment completed, after its
        /// start (the paper: "the patient or doctor can update the
        /// appointment to change its status to completed"). Any fee held is
        /// credited to the doctor.
        ///
        /// # Errors
        /// `UnknownAppointment`; `NotParticipant`; `TooEarly`; `InvalidTransition`.
        #[ink(message)]
        pub fn complete(&mut self, id: u64) -> Result<()> {
            self.act(id, Action::Complete)
        }

        /// The doctor marks that the patient did not come, after the start.
        /// Any fee held is credited to the doctor.
        ///
        /// # Errors
        /// `UnknownAppointment`; `NotParticipant`; `NotAllowed` for the
        /// patient; `TooEarly`; `InvalidTransition`.
        #[ink(message)]
        pub fn mark_no_show(&mut self, id: u64) -> Result<()> {
            self.act(id, Action::NoShow)
        }

        /// The doctor updates a booked appointment (the paper's
        /// `updateAppointment`): time, duration, reason, diagnosis and
        /// prescription.
        ///
        /// # Arguments
        /// * `id` - the appointment.
        /// * `start` - new start, Unix milliseconds (unchanged if equal).
        /// * `duration_min` - minutes (1 to 1440).
        /// * `reason` - reason (required, at most 512 bytes).
        /// * `diagnosis` - diagnosis (at most 512 bytes).
        /// * `prescription` - prescription (at most 512 bytes).
        ///
        /// # Errors
        /// `UnknownAppointment`; `NotParticipant` unless the doctor;
        /// `InvalidTransition` unless booked; field errors; `StartInPast`
        /// when moving the start into the past.
        #[ink(message)]
        pub fn update_appointment(
            &mut self,
            id: u64,
            start: Timestamp,
            duration_min: u32,
            reason: String,
            diagnosis: String,
            prescription: String,
        ) -> Result<()> {
            let caller = self.env().caller();
            let mut a = self.appointments.get(id).ok_or(Error::UnknownAppointment)?;
            if caller != a.doctor {
                return Err(Error::NotParticipant);
            }
            if a.status != Status::Booked {
                return Err(Error::InvalidTransition);
            }
            check_required(&reason, MAX_TEXT_LEN)?;
            check_optional(&diagnosis, MAX_TEXT_LEN)?;
            check_optional(&prescription, MAX_TEXT_LEN)?;
            if duration_min == 0 || duration_min > MAX_DURATION_MIN {
                return Err(Error::InvalidDuration);
            }
            if start != a.start && start <= self.env().block_timestamp() {
                return Err(Error::StartInPast);
            }
            a.start = start;
            a.duration_min = duration_min;
            a.reason = reason;
            a.diagnosis = diagnosis;
            a.prescription = prescription;
            self.appointments.insert(id, &a);
            self.env().emit_event(AppointmentUpdated { id, doctor: caller });
            Ok(())
        }

        /// Withdraws the caller's credited fees and refunds (pull payment).
        ///
        /// # Errors
        /// `NothingToWithdraw`; `TransferFailed` (the credit is kept).
        #[ink(message)]
        pub fn withdraw(&mut self) -> Result<Balance> {
            let payee = self.env().caller();
            let amount = self.credits.get(payee).unwrap_or(0);
            if amount == 0 {
                return Err(Error::NothingToWithdraw);
            }
            self.credits.remove(payee);
            self.env().transfer(payee, amount).map_err(|_| Error::TransferFailed)?;
            self.env().emit_event(Withdrawn { payee, amount });
            Ok(amount)
        }

        /// The balance `account` may withdraw.
        #[ink(message)]
        pub fn credit_of(&self, account: AccountId) -> Result<Balance> {
            Ok(self.credits.get(account).unwrap_or(0))
        }

        fn may_view(&self, a: &Appointment) -> Result<bool> {
            let caller = self.env().caller();
            Ok(caller == a.doctor || caller == a.patient || caller == self.registry.head()?)
        }

        /// One appointment, for its doctor, its patient and the head
        /// (advisory, like every query).
        ///
        /// # Errors
        /// `UnknownAppointment`; `NotParticipant`.
        #[ink(message)]
        pub fn appointment(&self, id: u64) -> Result<Appointment> {
            let a = self.appointments.get(id).ok_or(Error::UnknownAppointment)?;
            if !self.may_view(&a)? {
                return Err(Error::NotParticipant);
            }
            Ok(a)
        }

        fn page(&self, as_doctor: bool, who: AccountId, start: u32, limit: u32) -> Vec<(u64, Appointment)> {
            let len = if as_doctor { self.doctor_len.get(who) } else { self.patient_len.get(who) }.unwrap_or(0);
            collect_page(start, limit, len, |i| {
                let id = if as_doctor { self.by_doctor.get((who, i)) } else { self.by_patient.get((who, i)) }?;
                Some((id, self.appointments.get(id)?))
            })
        }

        /// A page of a patient's appointments, for the patient and the head
        /// (the paper: "patients can view their appointments").
        ///
        /// # Errors
        /// `NotParticipant` for anyone else.
        #[ink(message)]
        pub fn patient_appointments(&self, patient: AccountId, start: u32, limit: u32) -> Result<Vec<(u64, Appointment)>> {
            let caller = self.env().caller();
            if caller != patient && caller != self.registry.head()? {
                return Err(Error::NotParticipant);
            }
            Ok(self.page(false, patient, start, limit))
        }

        /// A page of a doctor's appointments, for the doctor and the head.
        ///
        /// # Errors
        /// `NotParticipant` for anyone else.
        #[ink(message)]
        pub fn doctor_appointments(&self, doctor: AccountId, start: u32, limit: u32) -> Result<Vec<(u64, Appointment)>> {
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
            Ok(AppointmentCounts {
                total: self.next_id,
                of_patient: self.patient_len.get(account).unwrap_or(0),
                of_doctor: self.doctor_len.get(account).unwrap_or(0),
            })
        }

        /// **Benchmark builds only** (`--features bench`): creates `n` booked
        /// appointments between the caller (as doctor) and `patient`, without checks.
        #[cfg(feature = "bench")]
        #[ink(message)]
        pub fn bench_fill(&mut self, patient: AccountId, n: u32) -> Result<u64> {
            let doctor = self.env().caller();
            let now = self.env().block_timestamp();
            for _ in 0..n {
                self.create(Appointment {
                    doctor,
                    patient,
                    start: now.saturating_add(86_400_000),
                    duration_min: 30,
                    reason: String::from("bench"),
                    diagnosis: String::new(),
                    prescription: String::new(),
                    status: Status::Booked,
                    fee: 0,
                    paid: 0,
                    created_at: now,
                })?;
            }
            Ok(self.next_id)
        }

        /// The registry and permissions contracts this contract trusts.
        #[ink(message)]
        pub fn siblings(&self) -> Result<(AccountId, AccountId)> {
            Ok(self.addresses)
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use Action as A;
        use Actor::*;
        use Status as S;

        const ALL_STATUS: [Status; 7] = [S::Requested, S::Proposed, S::Booked, S::Completed, S::Cancelled, S::Declined, S::NoShow];
        const ALL_ACTIONS: [Action; 6] = [A::Accept, A::Decline, A::Confirm, A::Cancel, A::Complete, A::NoShow];

        /// The documented table, written out independently of `transition`.
        fn expected(from: Status, action: Action, actor: Actor, before: bool) -> Result<(Status, Payout)> {
            let live = matches!(from, S::Requested | S::Proposed | S::Booked);
            match (action, actor) {
                (A::Accept, Patient) | (A::Decline, Patient) | (A::NoShow, Patient) | (A::Confirm, Doctor) => Err(Error::NotAllowed),
                (A::Accept, Doctor) if from == S::Requested => Ok((S::Booked, Payout::Hold)),
                (A::Decline, Doctor) if from == S::Requested => Ok((S::Declined, Payout::RefundPatient)),
                (A::Confirm, Patient) if from == S::Proposed => Ok((S::Booked, Payout::Hold)),
                (A::Cancel, Doctor) if live => Ok((S::Cancelled, Payout::RefundPatient)),
                (A::Cancel, Patient) if live && before => Ok((S::Cancelled, Payout::RefundPatient)),
                (A::Cancel, Patient) if live => Err(Error::TooLate),
                (A::Complete, _) | (A::NoShow, Doctor) if from == S::Booked && before => Err(Error::TooEarly),
                (A::Complete, _) if from == S::Booked => Ok((S::Completed, Payout::PayDoctor)),
                (A::NoShow, Doctor) if from == S::Booked => Ok((S::NoShow, Payout::PayDoctor)),
                _ => Err(Error::InvalidTransition),
            }
        }

        #[test]
        fn every_transition_allowed_and_refused() {
            let mut allowed = 0;
            let mut refused = 0;
            for from in ALL_STATUS {
                for action in ALL_ACTIONS {
                    for actor in [Doctor, Patient] {
                        for before in [true, false] {
                            let got = transition(from, action, actor, before);
                            assert_eq!(got, expected(from, action, actor, before), "{from:?} {action:?} {actor:?} before={before}");
                            if got.is_ok() { allowed += 1 } else { refused += 1 }
                        }
                    }
                }
            }
            assert_eq!(allowed + refused, 7 * 6 * 2 * 2);
            assert_eq!(allowed, 18);
        }

        #[test]
        fn finished_appointments_are_final() {
            for from in [S::Completed, S::Cancelled, S::Declined, S::NoShow] {
                for action in ALL_ACTIONS {
                    for actor in [Doctor, Patient] {
                        assert!(transition(from, action, actor, false).is_err());
                    }
                }
            }
        }

        #[test]
        fn input_validation() {
            assert_eq!(Appointments::validate(10, 5, 30, ""), Err(Error::EmptyField));
            assert_eq!(Appointments::validate(10, 5, 0, "r"), Err(Error::InvalidDuration));
            assert_eq!(Appointments::validate(10, 5, MAX_DURATION_MIN + 1, "r"), Err(Error::InvalidDuration));
            assert_eq!(Appointments::validate(5, 5, 30, "r"), Err(Error::StartInPast));
            assert_eq!(Appointments::validate(6, 5, 30, "r"), Ok(()));
        }
    }
}
