//! Appointments: texts (reason, diagnosis, prescription) sealed for the two
//! participants, set / update / request, the participants' actions, fees.
//!
//! A guardian with the booking power acts on the patient's side: she
//! requests for her (`request_appointment_for`, paying the fee herself; a
//! refund comes back to her), and confirms, cancels, completes or answers a
//! proposed new time with the same calls as the patient, by id; the
//! contract decides (the patient's access log names her). The texts stay
//! sealed for the patient and the doctor only: the booking power carries no
//! key, and the contract shows an appointment to its two participants and
//! the head only.

use super::Client;
use crate::{
    chain::{
        arg, as_account, as_chain_display, as_seq, as_stored, as_tuple, as_u128, field, variant, Contract, Refused,
    },
    crypto::{is_sealed_note, open_note, seal_note, CryptoError, MAX_NOTE_PLAINTEXT},
};
use anyhow::{anyhow, bail, Result};
use contract_transcode::Value;
use subxt::utils::AccountId32;

/// What a participant does to an appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppointmentAction {
    /// Doctor: accept a request.
    Accept,
    /// Doctor: decline a request (the fee goes back to the patient).
    Decline,
    /// Patient: confirm a proposed appointment, paying its fee.
    Confirm,
    /// Either: cancel (the patient only before the start).
    Cancel,
    /// Either: mark it completed (after the start).
    Complete,
    /// Doctor: the patient did not come.
    NoShow,
    /// Patient: accept the doctor's proposed new start.
    AcceptReschedule,
    /// Patient: decline the doctor's proposed new start (the booking stays).
    DeclineReschedule,
}

impl AppointmentAction {
    /// The appointments contract's message.
    pub fn message(self) -> &'static str {
        match self {
            AppointmentAction::Accept => "accept",
            AppointmentAction::Decline => "decline",
            AppointmentAction::Confirm => "confirm",
            AppointmentAction::Cancel => "cancel",
            AppointmentAction::Complete => "complete",
            AppointmentAction::NoShow => "mark_no_show",
            AppointmentAction::AcceptReschedule => "accept_reschedule",
            AppointmentAction::DeclineReschedule => "decline_reschedule",
        }
    }
}

/// Words for a refusal of an appointments message, for whoever meets it
/// (appended to the contract's error name): the patient's side of an
/// appointment is her own or her guardian's with the booking power.
pub fn refusal_words(message: &str, error: &str) -> Option<&'static str> {
    Some(match (message, error) {
        ("request_appointment_for", "NotGuardian") => {
            "not a guardian of this patient with the booking power in force: she appoints one with \
             `smrms guardian add ACCOUNT --book`, which ends at its --until, and a provider guardian acts only \
             while verified; nothing paid"
        }
        ("request_appointment_for", "UnknownPatient") => "not a registered patient; nothing paid",
        ("confirm" | "cancel" | "complete" | "accept_reschedule" | "decline_reschedule", "NotParticipant") => {
            "not this appointment's doctor or patient, nor a guardian of the patient with the booking power \
             in force (NotGuardian: the contract answers NotParticipant for a guardian without it)"
        }
        ("accept" | "decline" | "mark_no_show", "NotParticipant" | "NotAllowed") => {
            "the doctor's act: neither the patient nor her guardian may"
        }
        ("patient_appointments" | "doctor_appointments" | "appointment", "NotParticipant") => {
            "appointments are shown to their patient, their doctor, the patient's guardians with the booking \
             power in force, and the head only"
        }
        _ => return None,
    })
}

/// `e` with [`refusal_words`] for `message` added to its detail, if it is
/// a refusal that has some.
fn worded(message: &str, e: anyhow::Error) -> anyhow::Error {
    let Some(r) = e.downcast_ref::<Refused>() else { return e };
    let Some(words) = refusal_words(message, &r.error) else { return e };
    Refused { detail: format!("{} ({words})", r.detail), ..r.clone() }.into()
}

/// Refuses to pay `fee` unless the user agreed to at least that much.
pub fn check_fee(fee: u128, max_fee: Option<u128>) -> Result<()> {
    match max_fee {
        _ if fee == 0 => Ok(()),
        Some(max) if fee <= max => Ok(()),
        Some(max) => bail!("the fee is {fee}, more than your --max-fee {max}: nothing sent"),
        None => bail!("the fee is {fee}: pass --max-fee {fee} (or more) to agree to pay it; nothing sent"),
    }
}

impl Client<'_> {
    /// Both participants' published keys, for sealing an appointment text.
    /// Refuses rather than write health text in plaintext.
    pub(super) async fn note_keys(&self, patient: &AccountId32, doctor: &AccountId32) -> Result<([u8; 32], [u8; 32])> {
        let mut keys = [[0u8; 32]; 2];
        for (k, who) in keys.iter_mut().zip([patient, doctor]) {
            *k = self.encryption_key_of(who).await?.ok_or_else(|| {
                anyhow!("{who} has published no encryption key: appointment texts are never stored in plaintext")
            })?;
        }
        Ok((keys[0], keys[1]))
    }

    /// Seals one appointment text for the patient and the doctor.
    pub(super) fn seal_note(
        &self,
        patient: &AccountId32,
        doctor: &AccountId32,
        keys: ([u8; 32], [u8; 32]),
        text: &str,
    ) -> Result<String> {
        seal_note((&patient.0, &keys.0), (&doctor.0, &keys.1), text, smrms_shared::MAX_TEXT_LEN).map_err(|e| match e {
            CryptoError::TooLong { .. } => anyhow!(
                "appointment text of {} bytes: at most {MAX_NOTE_PLAINTEXT} bytes seal within the contract's bound; put longer detail in a record",
                text.len()
            ),
            e => anyhow!("sealing an appointment text: {e:?}"),
        })
    }

    /// Opens an appointment text if this account is a participant.
    pub(super) fn open_note(&self, patient: &AccountId32, doctor: &AccountId32, text: &str) -> String {
        if text.is_empty() || !is_sealed_note(text) {
            return text.to_string();
        }
        open_note(&self.keys, &patient.0, &doctor.0, &self.me.0, text)
            .unwrap_or_else(|_| format!("(sealed, {} bytes of ciphertext)", text.len()))
    }

    /// An appointment text opened for a participant: `Some("")` if empty,
    /// the text itself if it was never sealed, `None` if it does not open.
    pub(super) fn open_note_opt(&self, patient: &AccountId32, doctor: &AccountId32, text: &str) -> Option<String> {
        if text.is_empty() || !is_sealed_note(text) {
            return Some(text.to_string());
        }
        open_note(&self.keys, &patient.0, &doctor.0, &self.me.0, text).ok()
    }

    /// A patient's or doctor's appointments (caller must be that account or
    /// the head), as lines; texts are opened for the participants.
    pub async fn appointments(&self, of: &AccountId32, as_doctor: bool) -> Result<Vec<String>> {
        let msg = if as_doctor { "doctor_appointments" } else { "patient_appointments" };
        let mut out = Vec::new();
        // every page, not the first 50 only
        for (id, a) in self.appointment_page_all(msg, of).await.map_err(|e| worded(msg, e))? {
            let a = &a;
            let (doctor, patient) = (as_account(field(a, "doctor")?)?, as_account(field(a, "patient")?)?);
            let text =
                |n: &str| -> Result<String> { Ok(self.open_note(&patient, &doctor, &as_chain_display(field(a, n)?)?)) };
            out.push(format!(
                "#{id} {} doctor {doctor} patient {patient} start {} ({} min) reason {:?} diagnosis {:?} prescription {:?}",
                field(a, "status")?,
                field(a, "start")?,
                field(a, "duration_min")?,
                text("reason")?,
                text("diagnosis")?,
                text("prescription")?,
            ));
        }
        Ok(out)
    }

    /// Every page of `patient_appointments` / `doctor_appointments` of `who`.
    pub(super) async fn appointment_page_all(&self, msg: &str, who: &AccountId32) -> Result<Vec<(u64, Value)>> {
        let mut out = Vec::new();
        let mut start = 0u32;
        loop {
            let v = self
                .query(
                    Contract::Appointments,
                    msg,
                    &[arg::account(who), arg::num(start), arg::num(smrms_shared::MAX_PAGE)],
                )
                .await?;
            let page = as_seq(&v)?;
            for item in &page {
                let t = as_tuple(item)?;
                let (id, a) =
                    (t.first().ok_or_else(|| anyhow!("bad entry"))?, t.get(1).ok_or_else(|| anyhow!("bad entry"))?);
                out.push((u64::try_from(as_u128(id)?)?, a.clone()));
            }
            if page.len() < smrms_shared::MAX_PAGE as usize {
                return Ok(out);
            }
            start = start.checked_add(smrms_shared::MAX_PAGE).ok_or_else(|| anyhow!("too many appointments"))?;
        }
    }

    /// A doctor sets an appointment (fee 0 = booked at once); the reason is
    /// sealed for the patient and the doctor. Returns the id.
    pub async fn set_appointment(
        &self,
        patient: &AccountId32,
        start_ms: u64,
        duration_min: u32,
        reason: &str,
    ) -> Result<u64> {
        let keys = self.note_keys(patient, &self.me).await?;
        let reason = self.seal_note(patient, &self.me, keys, reason)?;
        let v = self
            .send(
                Contract::Appointments,
                "set_appointment",
                &[arg::account(patient), arg::num(start_ms), arg::num(duration_min), arg::text(&reason), arg::num(0)],
            )
            .await?;
        match variant(v.clone()) {
            Some((i, vs)) if i == "Created" => Ok(u64::try_from(as_u128(&vs[0])?)?),
            _ => bail!("appointments.set_appointment: {v}"),
        }
    }

    /// The doctor records the outcome of a booked appointment: diagnosis and
    /// prescription (and optionally a new reason), each sealed for the
    /// patient and the doctor; start and duration are kept.
    pub async fn update_appointment(
        &self,
        id: u64,
        reason: Option<&str>,
        diagnosis: &str,
        prescription: &str,
    ) -> Result<()> {
        let a = self.query(Contract::Appointments, "appointment", &[arg::num(id)]).await?;
        let (doctor, patient) = (as_account(field(&a, "doctor")?)?, as_account(field(&a, "patient")?)?);
        let keys = self.note_keys(&patient, &doctor).await?;
        let reason = match reason {
            Some(r) => arg::text(&self.seal_note(&patient, &doctor, keys, r)?),
            // kept: the very bytes stored
            None => arg::bytes(&as_stored(field(&a, "reason")?)?),
        };
        let args = [
            arg::num(id),
            field(&a, "start")?.to_string(),
            field(&a, "duration_min")?.to_string(),
            reason,
            arg::text(&self.seal_note(&patient, &doctor, keys, diagnosis)?),
            arg::text(&self.seal_note(&patient, &doctor, keys, prescription)?),
        ];
        self.send(Contract::Appointments, "update_appointment", &args).await?;
        Ok(())
    }

    /// The patient (this account) requests an appointment with a verified
    /// doctor, paying the doctor's fee (`fee_of`), held by the contract
    /// until the appointment ends; the reason is sealed for both. Returns
    /// the id and the fee paid.
    pub async fn request_appointment(
        &self,
        doctor: &AccountId32,
        start_ms: u64,
        duration_min: u32,
        reason: &str,
        max_fee: Option<u128>,
    ) -> Result<(u64, u128)> {
        self.request(None, doctor, start_ms, duration_min, reason, max_fee).await
    }

    /// A guardian (this account) with the booking power requests an
    /// appointment for `patient` (`request_appointment_for`), paying the
    /// doctor's fee herself exactly as the patient would; a refund is
    /// credited to her. The reason is sealed for the patient and the doctor
    /// (not for the guardian). The patient herself just requests. Returns
    /// the id and the fee paid.
    pub async fn request_appointment_for(
        &self,
        patient: &AccountId32,
        doctor: &AccountId32,
        start_ms: u64,
        duration_min: u32,
        reason: &str,
        max_fee: Option<u128>,
    ) -> Result<(u64, u128)> {
        let for_patient = (*patient != self.me).then_some(patient);
        self.request(for_patient, doctor, start_ms, duration_min, reason, max_fee).await
    }

    async fn request(
        &self,
        for_patient: Option<&AccountId32>,
        doctor: &AccountId32,
        start_ms: u64,
        duration_min: u32,
        reason: &str,
        max_fee: Option<u128>,
    ) -> Result<(u64, u128)> {
        let fee = as_u128(&self.query(Contract::Appointments, "fee_of", &[arg::account(doctor)]).await?)?;
        check_fee(fee, max_fee)?;
        let patient = for_patient.unwrap_or(&self.me);
        let keys = self.note_keys(patient, doctor).await?;
        let reason = self.seal_note(patient, doctor, keys, reason)?;
        let mut args = vec![arg::account(doctor), arg::num(start_ms), arg::num(duration_min), arg::text(&reason)];
        let message = match for_patient {
            None => "request_appointment",
            Some(p) => {
                args.insert(0, arg::account(p));
                "request_appointment_for"
            }
        };
        let id = self.send_paying(Contract::Appointments, message, &args, fee).await.map_err(|e| worded(message, e))?;
        Ok((u64::try_from(as_u128(&id)?)?, fee))
    }

    /// A participant acts on an appointment: `accept` / `decline` (doctor,
    /// on a request), `cancel`, `complete` (after the start),
    /// `mark_no_show` (doctor), `accept_reschedule` / `decline_reschedule`
    /// (patient). The patient's acts are open to her guardian with the
    /// booking power too: no local check of who calls, the contract decides.
    pub async fn appointment_action(&self, id: u64, action: AppointmentAction) -> Result<()> {
        if action == AppointmentAction::Confirm {
            bail!("confirm pays a fee: use `confirm` with the most you agree to pay");
        }
        let message = action.message();
        self.send(Contract::Appointments, message, &[arg::num(id)]).await.map_err(|e| worded(message, e))?;
        Ok(())
    }

    /// The patient, or her guardian with the booking power, confirms a
    /// proposed appointment, paying its fee if it is at most `max_fee`.
    /// Returns the fee paid.
    ///
    /// The fee is read from the appointment, which the contract shows to
    /// the patient and to her guardians with the booking power.
    pub async fn confirm(&self, id: u64, max_fee: Option<u128>) -> Result<u128> {
        let a = self
            .query(Contract::Appointments, "appointment", &[arg::num(id)])
            .await
            .map_err(|e| worded("appointment", e))?;
        let fee = as_u128(field(&a, "fee")?)?;
        check_fee(fee, max_fee)?;
        self.send_paying(Contract::Appointments, "confirm", &[arg::num(id)], fee)
            .await
            .map_err(|e| worded("confirm", e))?;
        Ok(fee)
    }

    /// A doctor sets the fee patients pay with a request.
    pub async fn set_fee(&self, fee: u128) -> Result<()> {
        self.send(Contract::Appointments, "set_fee", &[arg::num(fee)]).await?;
        Ok(())
    }

    /// Withdraws this account's credited fees and refunds (pull payment);
    /// returns the amount.
    pub async fn withdraw(&self) -> Result<u128> {
        as_u128(&self.send(Contract::Appointments, "withdraw", &[]).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::refusal;

    #[test]
    fn actions_name_their_messages() {
        use AppointmentAction as A;
        let all = [
            (A::Accept, "accept"),
            (A::Decline, "decline"),
            (A::Confirm, "confirm"),
            (A::Cancel, "cancel"),
            (A::Complete, "complete"),
            (A::NoShow, "mark_no_show"),
            (A::AcceptReschedule, "accept_reschedule"),
            (A::DeclineReschedule, "decline_reschedule"),
        ];
        for (action, message) in all {
            assert_eq!(action.message(), message);
        }
    }

    #[test]
    fn refusals_in_words() {
        let book = refusal_words("request_appointment_for", "NotGuardian").unwrap();
        assert!(book.contains("booking power") && book.contains("--book") && book.contains("nothing paid"), "{book}");
        // the patient's side by id: a guardian without the power meets NotParticipant
        for m in ["confirm", "cancel", "complete", "accept_reschedule", "decline_reschedule"] {
            let w = refusal_words(m, "NotParticipant").unwrap();
            assert!(w.contains("guardian") && w.contains("booking power") && w.contains("NotGuardian"), "{m}: {w}");
        }
        assert!(refusal_words("accept", "NotAllowed").unwrap().contains("doctor"));
        assert!(refusal_words("patient_appointments", "NotParticipant").unwrap().contains("booking power"));
        // no words where the contract's own name says it
        assert_eq!(refusal_words("cancel", "TooLate"), None);
        assert_eq!(refusal_words("request_appointment", "WrongAmount"), None);
    }

    #[test]
    fn a_refusal_gets_its_words_and_stays_a_refusal() {
        let r = Refused {
            call: "appointments.cancel".into(),
            error: "NotParticipant".into(),
            detail: "NotParticipant".into(),
        };
        let e = worded("cancel", r.into());
        assert_eq!(refusal(&e), Some("NotParticipant"));
        let shown = e.to_string();
        assert!(
            shown.starts_with("appointments.cancel refused: NotParticipant (not this appointment's doctor"),
            "{shown}"
        );
        // other errors, and refusals without words, pass unchanged
        let plain = worded("cancel", anyhow!("the node went away"));
        assert_eq!(plain.to_string(), "the node went away");
        let r = Refused { call: "appointments.cancel".into(), error: "TooLate".into(), detail: "TooLate".into() };
        assert_eq!(worded("cancel", r.into()).to_string(), "appointments.cancel refused: TooLate");
    }

    #[test]
    fn fees_agreed() {
        assert!(check_fee(0, None).is_ok());
        assert!(check_fee(5000, Some(5000)).is_ok());
        assert!(check_fee(5000, Some(4999)).unwrap_err().to_string().contains("more than your --max-fee 4999"));
        assert!(check_fee(5000, None).unwrap_err().to_string().contains("pass --max-fee 5000"));
    }
}
