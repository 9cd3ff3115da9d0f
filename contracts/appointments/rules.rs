//! The appointment state machine and the escrow's rules, as pure functions
//! (no storage, no environment) with their unit tests and a randomized
//! model test of the escrow.
//!
//! ## Status transitions
//! "verified" = the appointment's doctor is a verified doctor at the moment
//! of the action (re-checked every time, DECISIONS "Appointments and money").
//! "start" is the booked start; "grace" the head's no-show grace period.
//!
//! | from | action | by | when | to | fee |
//! |---|---|---|---|---|---|
//! | – | `request_appointment` (pays the doctor's fee) | patient | before start, doctor verified | Requested | held |
//! | – | `set_appointment`, fee 0 | verified doctor | before start | Booked | – |
//! | – | `set_appointment`, fee > 0 | verified doctor | before start | Proposed | – |
//! | Requested | `accept` | doctor | before start, verified | Booked | held |
//! | Requested | `decline` | doctor | any time | Declined | refunded |
//! | Proposed | `confirm` (pays the fee) | patient | before start, doctor verified | Booked | held |
//! | Requested / Proposed / Booked | `cancel` | doctor | any time | Cancelled | refunded |
//! | Requested / Proposed | `cancel` | patient | any time (after the start the request lapsed: she reclaims her fee) | Cancelled | refunded |
//! | Booked | `cancel` | patient | before start, or any time while the doctor is not verified | Cancelled | refunded |
//! | Booked | `complete` | either | after start, doctor verified | Completed | to the doctor |
//! | Booked | `mark_no_show` | doctor | after start + grace, verified | NoShow | to the doctor |
//!
//! Refused: accepting or confirming at or after the start (`TooLate`), any
//! payout to a doctor who is not verified (`NotVerifiedDoctor`), a no-show
//! before start + grace (`TooEarly`), the patient's actions of the doctor and
//! the reverse (`NotAllowed`), everything else (`InvalidTransition`).
//!
//! A doctor cannot move a booked appointment alone: `update_appointment`
//! with a new start only *proposes* it; the booking moves when the patient
//! accepts (`accept_reschedule`) and stays when she declines, so her right to
//! cancel with a refund before the booked start is never shortened.

use smrms_shared::{Error, Result};

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

impl Status {
    /// Requested, Proposed or Booked: not finished.
    pub fn is_live(self) -> bool {
        matches!(self, Status::Requested | Status::Proposed | Status::Booked)
    }
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

/// Where the present is relative to an appointment's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// `now < start`.
    BeforeStart,
    /// `start <= now < start + grace`.
    Started,
    /// `now >= start + grace`: a no-show may be marked.
    PastGrace,
}

impl Phase {
    /// The phase of `now` for an appointment starting at `start` with a
    /// no-show grace of `grace` ms (saturating: never overflows).
    pub fn of(now: u64, start: u64, grace: u64) -> Phase {
        if now < start {
            Phase::BeforeStart
        } else if now < start.saturating_add(grace) {
            Phase::Started
        } else {
            Phase::PastGrace
        }
    }
}

/// The state machine: the next status and where the fee goes, or the error.
/// `doctor_verified` is the doctor's standing at the moment of the action.
pub fn transition(
    from: Status,
    action: Action,
    actor: Actor,
    phase: Phase,
    doctor_verified: bool,
) -> Result<(Status, Payout)> {
    use Action as A;
    use Actor::*;
    use Status as S;
    let before = phase == Phase::BeforeStart;
    let ensure = |ok: bool, e: Error| if ok { Ok(()) } else { Err(e) };
    match (from, action, actor) {
        (_, A::Accept | A::Decline | A::NoShow, Patient) | (_, A::Confirm, Doctor) => Err(Error::NotAllowed),
        (S::Requested, A::Accept, Doctor) | (S::Proposed, A::Confirm, Patient) => {
            ensure(doctor_verified, Error::NotVerifiedDoctor)?;
            ensure(before, Error::TooLate)?;
            Ok((S::Booked, Payout::Hold))
        }
        (S::Requested, A::Decline, Doctor) => Ok((S::Declined, Payout::RefundPatient)),
        (S::Requested | S::Proposed | S::Booked, A::Cancel, Doctor)
        | (S::Requested | S::Proposed, A::Cancel, Patient) => Ok((S::Cancelled, Payout::RefundPatient)),
        (S::Booked, A::Cancel, Patient) => {
            ensure(before || !doctor_verified, Error::TooLate)?;
            Ok((S::Cancelled, Payout::RefundPatient))
        }
        (S::Booked, A::Complete, _) => {
            ensure(!before, Error::TooEarly)?;
            ensure(doctor_verified, Error::NotVerifiedDoctor)?;
            Ok((S::Completed, Payout::PayDoctor))
        }
        (S::Booked, A::NoShow, Doctor) => {
            ensure(phase == Phase::PastGrace, Error::TooEarly)?;
            ensure(doctor_verified, Error::NotVerifiedDoctor)?;
            Ok((S::NoShow, Payout::PayDoctor))
        }
        _ => Err(Error::InvalidTransition),
    }
}

/// Bounds on open (unanswered) requests, against spam.
/// A patient may hold at most this many open requests with one doctor ...
pub const MAX_OPEN_REQUESTS_PER_DOCTOR: u32 = 3;
/// ... and at most this many in total.
pub const MAX_OPEN_REQUESTS: u32 = 16;

/// Whether a patient with `with_doctor` open requests with this doctor and
/// `total` open requests in all may open one more.
pub fn may_open_request(with_doctor: u32, total: u32) -> Result<()> {
    if with_doctor >= MAX_OPEN_REQUESTS_PER_DOCTOR || total >= MAX_OPEN_REQUESTS {
        return Err(Error::TooManyOpenRequests);
    }
    Ok(())
}

/// The default no-show grace period: 15 minutes.
pub const DEFAULT_NO_SHOW_GRACE_MS: u64 = 15 * 60 * 1000;
/// The longest no-show grace period the head may set: 24 hours.
pub const MAX_NO_SHOW_GRACE_MS: u64 = 24 * 60 * 60 * 1000;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use Action as A;
    use Actor::*;
    use Phase as P;
    use Status as S;

    const ALL_STATUS: [Status; 7] =
        [S::Requested, S::Proposed, S::Booked, S::Completed, S::Cancelled, S::Declined, S::NoShow];
    const ALL_ACTIONS: [Action; 6] = [A::Accept, A::Decline, A::Confirm, A::Cancel, A::Complete, A::NoShow];
    const ALL_PHASES: [Phase; 3] = [P::BeforeStart, P::Started, P::PastGrace];

    type Row = (Status, Action, Actor, Phase, bool, Result<(Status, Payout)>);
    const HOLD: Payout = Payout::Hold;
    const REFUND: Payout = Payout::RefundPatient;
    const PAY: Payout = Payout::PayDoctor;

    /// The gated transitions, every (phase, verified) combination written
    /// out: (status, action, actor, phase, doctor verified, result).
    /// Refunds are in `is_refund_row`; anything else must be
    /// `InvalidTransition` or `NotAllowed`.
    const GATED_ROWS: &[Row] = &[
        // accept: only before the start, only a verified doctor
        (S::Requested, A::Accept, Doctor, P::BeforeStart, true, Ok((S::Booked, HOLD))),
        (S::Requested, A::Accept, Doctor, P::Started, true, Err(Error::TooLate)),
        (S::Requested, A::Accept, Doctor, P::PastGrace, true, Err(Error::TooLate)),
        (S::Requested, A::Accept, Doctor, P::BeforeStart, false, Err(Error::NotVerifiedDoctor)),
        (S::Requested, A::Accept, Doctor, P::Started, false, Err(Error::NotVerifiedDoctor)),
        (S::Requested, A::Accept, Doctor, P::PastGrace, false, Err(Error::NotVerifiedDoctor)),
        // confirm (the patient pays): the same
        (S::Proposed, A::Confirm, Patient, P::BeforeStart, true, Ok((S::Booked, HOLD))),
        (S::Proposed, A::Confirm, Patient, P::Started, true, Err(Error::TooLate)),
        (S::Proposed, A::Confirm, Patient, P::PastGrace, true, Err(Error::TooLate)),
        (S::Proposed, A::Confirm, Patient, P::BeforeStart, false, Err(Error::NotVerifiedDoctor)),
        (S::Proposed, A::Confirm, Patient, P::Started, false, Err(Error::NotVerifiedDoctor)),
        (S::Proposed, A::Confirm, Patient, P::PastGrace, false, Err(Error::NotVerifiedDoctor)),
        // complete: after the start, pays only a verified doctor
        (S::Booked, A::Complete, Doctor, P::BeforeStart, true, Err(Error::TooEarly)),
        (S::Booked, A::Complete, Doctor, P::Started, true, Ok((S::Completed, PAY))),
        (S::Booked, A::Complete, Doctor, P::PastGrace, true, Ok((S::Completed, PAY))),
        (S::Booked, A::Complete, Doctor, P::BeforeStart, false, Err(Error::TooEarly)),
        (S::Booked, A::Complete, Doctor, P::Started, false, Err(Error::NotVerifiedDoctor)),
        (S::Booked, A::Complete, Doctor, P::PastGrace, false, Err(Error::NotVerifiedDoctor)),
        (S::Booked, A::Complete, Patient, P::BeforeStart, true, Err(Error::TooEarly)),
        (S::Booked, A::Complete, Patient, P::Started, true, Ok((S::Completed, PAY))),
        (S::Booked, A::Complete, Patient, P::PastGrace, true, Ok((S::Completed, PAY))),
        (S::Booked, A::Complete, Patient, P::BeforeStart, false, Err(Error::TooEarly)),
        (S::Booked, A::Complete, Patient, P::Started, false, Err(Error::NotVerifiedDoctor)),
        (S::Booked, A::Complete, Patient, P::PastGrace, false, Err(Error::NotVerifiedDoctor)),
        // no-show: only after start + grace, only a verified doctor
        (S::Booked, A::NoShow, Doctor, P::BeforeStart, true, Err(Error::TooEarly)),
        (S::Booked, A::NoShow, Doctor, P::Started, true, Err(Error::TooEarly)),
        (S::Booked, A::NoShow, Doctor, P::PastGrace, true, Ok((S::NoShow, PAY))),
        (S::Booked, A::NoShow, Doctor, P::BeforeStart, false, Err(Error::TooEarly)),
        (S::Booked, A::NoShow, Doctor, P::Started, false, Err(Error::TooEarly)),
        (S::Booked, A::NoShow, Doctor, P::PastGrace, false, Err(Error::NotVerifiedDoctor)),
        // the patient cannot cancel a started booking of a verified doctor
        (S::Booked, A::Cancel, Patient, P::Started, true, Err(Error::TooLate)),
        (S::Booked, A::Cancel, Patient, P::PastGrace, true, Err(Error::TooLate)),
    ];

    /// Refunds: always allowed for these, whatever the time and standing.
    fn is_refund_row(from: Status, action: Action, actor: Actor, phase: Phase, verified: bool) -> bool {
        match (from, action, actor) {
            (S::Requested, A::Decline, Doctor) => true,
            (S::Requested | S::Proposed | S::Booked, A::Cancel, Doctor) => true,
            (S::Requested | S::Proposed, A::Cancel, Patient) => true,
            (S::Booked, A::Cancel, Patient) => phase == P::BeforeStart || !verified,
            _ => false,
        }
    }

    #[test]
    fn the_table() {
        let (mut allowed, mut refunds) = (0, 0);
        for from in ALL_STATUS {
            for action in ALL_ACTIONS {
                for actor in [Doctor, Patient] {
                    for phase in ALL_PHASES {
                        for verified in [true, false] {
                            let got = transition(from, action, actor, phase, verified);
                            let row = |rows: &[Row]| {
                                rows.iter()
                                    .find(|r| (r.0, r.1, r.2, r.3, r.4) == (from, action, actor, phase, verified))
                                    .map(|r| r.5)
                            };
                            let want = if let Some(w) = row(GATED_ROWS) {
                                w
                            } else if is_refund_row(from, action, actor, phase, verified) {
                                refunds += 1;
                                let to = if action == A::Decline { S::Declined } else { S::Cancelled };
                                Ok((to, REFUND))
                            } else if matches!(
                                (action, actor),
                                (A::Accept | A::Decline | A::NoShow, Patient) | (A::Confirm, Doctor)
                            ) {
                                Err(Error::NotAllowed)
                            } else {
                                Err(Error::InvalidTransition)
                            };
                            assert_eq!(got, want, "{from:?} {action:?} {actor:?} {phase:?} verified={verified}");
                            if got.is_ok() {
                                allowed += 1;
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(allowed, GATED_ROWS.iter().filter(|r| r.5.is_ok()).count() + refunds);
        assert_eq!(allowed, 7 + 40);
        // decline 6, doctor cancel 3x6, patient cancel of Requested/Proposed 2x6, of Booked 4
        assert_eq!(refunds, 6 + 18 + 12 + 4);
    }

    #[test]
    fn finished_appointments_are_final() {
        for from in [S::Completed, S::Cancelled, S::Declined, S::NoShow] {
            for action in ALL_ACTIONS {
                for actor in [Doctor, Patient] {
                    for phase in ALL_PHASES {
                        assert!(transition(from, action, actor, phase, true).is_err());
                    }
                }
            }
        }
    }

    #[test]
    fn phases() {
        assert_eq!(Phase::of(9, 10, 5), P::BeforeStart);
        assert_eq!(Phase::of(10, 10, 5), P::Started);
        assert_eq!(Phase::of(14, 10, 5), P::Started);
        assert_eq!(Phase::of(15, 10, 5), P::PastGrace);
        assert_eq!(Phase::of(u64::MAX - 1, u64::MAX - 1, u64::MAX), P::Started);
        assert_eq!(Phase::of(10, 10, 0), P::PastGrace);
    }

    #[test]
    fn open_request_bounds() {
        assert_eq!(may_open_request(0, 0), Ok(()));
        assert_eq!(may_open_request(MAX_OPEN_REQUESTS_PER_DOCTOR - 1, MAX_OPEN_REQUESTS - 1), Ok(()));
        assert_eq!(may_open_request(MAX_OPEN_REQUESTS_PER_DOCTOR, 0), Err(Error::TooManyOpenRequests));
        assert_eq!(may_open_request(0, MAX_OPEN_REQUESTS), Err(Error::TooManyOpenRequests));
    }

    // ------------------------------------------------------------------
    // Randomized model test of the escrow.
    // ------------------------------------------------------------------

    #[derive(Clone, Copy)]
    struct Appt {
        status: Status,
        start: u64,
        fee: u128,
        paid: u128,
        /// The fee was ever paid in.
        ever_paid: bool,
        /// Credited (to patient or doctor) so far, from this appointment.
        credited: u32,
    }

    /// The escrow as the contract runs it: `transition` plus the ledger.
    struct Model {
        now: u64,
        grace: u64,
        doctor_verified: bool,
        balance: u128,
        credit_patient: u128,
        credit_doctor: u128,
        appts: [Option<Appt>; 4],
    }

    impl Model {
        fn held(&self) -> u128 {
            self.appts.iter().flatten().map(|a| a.paid).sum()
        }
        /// What the contract's `act` does, given the pure rules.
        fn act(&mut self, i: usize, action: Action, actor: Actor) -> Result<()> {
            let mut a = self.appts[i].ok_or(Error::UnknownAppointment)?;
            let phase = Phase::of(self.now, a.start, self.grace);
            let (to, payout) = transition(a.status, action, actor, phase, self.doctor_verified)?;
            if action == A::Confirm {
                a.paid = a.fee;
                a.ever_paid = a.fee > 0;
                self.balance += a.fee;
            }
            let held = a.paid;
            match payout {
                Payout::Hold => {}
                Payout::RefundPatient | Payout::PayDoctor => {
                    a.paid = 0;
                    if held > 0 {
                        a.credited += 1;
                        if payout == Payout::PayDoctor {
                            assert!(self.doctor_verified, "credit to a doctor who is not verified");
                            self.credit_doctor += held;
                        } else {
                            self.credit_patient += held;
                        }
                    }
                }
            }
            a.status = to;
            self.appts[i] = Some(a);
            Ok(())
        }
    }

    /// One step of a random sequence on appointment slot `i` (0..4).
    #[derive(Debug, Clone)]
    enum Step {
        /// A patient's paid request (`request`) or a doctor's proposal, fee
        /// 0/100/200, starting `start_in` ms from now.
        Create { i: usize, request: bool, fee: u8, start_in: u64 },
        /// `actor` does `action` on slot `i`.
        Act { i: usize, action: usize, doctor: bool },
        /// The patient (or the doctor) withdraws her credit.
        Withdraw { doctor: bool },
        /// The head suspends or reinstates the doctor.
        ToggleStanding,
        /// Time passes.
        Wait(u64),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            1 => (0..4usize, any::<bool>(), 0..3u8, 1..40u64)
                .prop_map(|(i, request, fee, start_in)| Step::Create { i, request, fee, start_in }),
            3 => (0..4usize, 0..6usize, any::<bool>()).prop_map(|(i, action, doctor)| Step::Act { i, action, doctor }),
            1 => any::<bool>().prop_map(|doctor| Step::Withdraw { doctor }),
            1 => Just(Step::ToggleStanding),
            1 => (0..30u64).prop_map(Step::Wait),
        ]
    }

    /// Runs `steps` on the escrow model and checks the invariants after
    /// every step and the patient's recovery at the end.
    fn run_escrow(grace: u64, steps: &[Step]) -> core::result::Result<(), TestCaseError> {
        let mut m = Model {
            now: 1_000,
            grace,
            doctor_verified: true,
            balance: 0,
            credit_patient: 0,
            credit_doctor: 0,
            appts: [None; 4],
        };
        for st in steps {
            match *st {
                Step::Create { i, request, fee, start_in } if m.appts[i].is_none() && m.doctor_verified => {
                    let (fee, start) = (u128::from(fee) * 100, m.now + start_in);
                    m.appts[i] = Some(if request {
                        m.balance += fee;
                        Appt { status: S::Requested, start, fee, paid: fee, ever_paid: fee > 0, credited: 0 }
                    } else {
                        let status = if fee == 0 { S::Booked } else { S::Proposed };
                        Appt { status, start, fee, paid: 0, ever_paid: false, credited: 0 }
                    });
                }
                Step::Create { .. } => {}
                Step::Act { i, action, doctor } => {
                    let action = ALL_ACTIONS[action];
                    let _ = m.act(i, action, if doctor { Doctor } else { Patient });
                }
                Step::Withdraw { doctor } => {
                    let amount = if doctor {
                        core::mem::take(&mut m.credit_doctor)
                    } else {
                        core::mem::take(&mut m.credit_patient)
                    };
                    m.balance -= amount;
                }
                Step::ToggleStanding => m.doctor_verified = !m.doctor_verified,
                Step::Wait(ms) => m.now += ms,
            }
            // balance = fees held + credits not withdrawn
            prop_assert_eq!(m.balance, m.held() + m.credit_patient + m.credit_doctor);
            for a in m.appts.iter().flatten() {
                // a paid fee ends as exactly one credit, or is still held
                prop_assert!(a.credited <= 1);
                if a.ever_paid && !a.status.is_live() {
                    prop_assert_eq!((a.credited, a.paid), (1, 0));
                }
                if a.status.is_live() && a.ever_paid {
                    prop_assert_eq!(a.paid, a.fee);
                }
            }
        }
        // A patient can always recover a fee the doctor never accepted:
        // every paid Requested appointment can be cancelled by her, whatever
        // the time and the doctor's standing.
        for i in 0..4 {
            if let Some(a) = m.appts[i] {
                if a.status == S::Requested && a.paid > 0 {
                    let before = m.credit_patient;
                    prop_assert_eq!(m.act(i, A::Cancel, Patient), Ok(()));
                    prop_assert_eq!(m.credit_patient, before + a.paid);
                }
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]
        /// The escrow under random sequences of request, propose, confirm,
        /// accept, decline, cancel, complete, no-show, withdraw, suspension
        /// and the passing of time (`Model::act` also asserts that no credit
        /// goes to a doctor who is not verified at that moment).
        #[test]
        fn escrow_model_random_sequences(grace in 0..30u64, steps in proptest::collection::vec(step(), 1..60)) {
            run_escrow(grace, &steps)?;
        }
    }
}
