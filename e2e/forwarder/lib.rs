//! Test fixture of the access matrix: a contract that calls an SMRMS message
//! **in place of** the account that called it, the way a malicious or merely
//! careless dApp contract would if a patient or a doctor signed a
//! transaction to it. The SMRMS contracts must treat it as the account it is
//! (an unregistered contract), never as the person behind it, and must refuse
//! it every sibling-only message.
//!
//! It forwards raw call data (selector and SCALE-encoded arguments) and
//! returns the callee's raw output, so one fixture reaches every message of
//! the four contracts.
#![cfg_attr(not(feature = "std"), no_std, no_main)]
#![allow(clippy::cast_possible_truncation)] // scale-derive's `as u8` in enum encodings

#[ink::contract]
pub mod forwarder {
    use ink::env::call::{build_call, ExecutionInput, Selector};
    use ink::prelude::vec::Vec;

    /// Why a forwarded call produced no output.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum Error {
        /// The call data is shorter than a 4-byte selector.
        NoSelector,
        /// The callee trapped, does not exist, or its output could not be read.
        CallFailed,
    }

    /// Bytes written and read as they are, without a length prefix: the
    /// arguments after the selector, and the callee's whole output.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Raw(pub Vec<u8>);

    impl scale::Encode for Raw {
        fn size_hint(&self) -> usize {
            self.0.len()
        }
        fn encode_to<O: scale::Output + ?Sized>(&self, dest: &mut O) {
            dest.write(&self.0)
        }
    }

    impl scale::Decode for Raw {
        fn decode<I: scale::Input>(input: &mut I) -> core::result::Result<Self, scale::Error> {
            let len = input.remaining_len()?.ok_or("unknown output length")?;
            let mut bytes = ink::prelude::vec![0u8; len];
            input.read(&mut bytes)?;
            Ok(Raw(bytes))
        }
    }

    /// The forwarder holds no state.
    #[ink(storage)]
    #[derive(Default)]
    pub struct Forwarder {}

    impl Forwarder {
        /// Deploys a forwarder.
        #[ink(constructor)]
        pub fn new() -> Self {
            Self {}
        }

        /// Calls `callee` with `call_data` (4-byte selector, then the SCALE
        /// arguments) as this contract, and returns the callee's raw output
        /// (for an ink! message: the SCALE-encoded `Result<Result<T, E>,
        /// LangError>`). The callee's own revert (an `Err` result) is passed
        /// back as output, not as a failure.
        ///
        /// # Errors
        /// `NoSelector` if `call_data` is shorter than 4 bytes; `CallFailed`
        /// if the callee trapped or is no contract.
        #[ink(message)]
        pub fn forward(&mut self, callee: AccountId, call_data: Vec<u8>) -> Result<Vec<u8>, Error> {
            let (selector, args) = match call_data.split_first_chunk::<4>() {
                Some((s, a)) => (*s, a.to_vec()),
                None => return Err(Error::NoSelector),
            };
            let out = build_call::<Environment>()
                .call(callee)
                .exec_input(ExecutionInput::new(Selector::new(selector)).push_arg(Raw(args)))
                .returns::<Raw>()
                .try_invoke();
            match out {
                // `try_invoke` strips the `LangError` layer: put it back so that
                // the caller decodes exactly what the callee returned.
                Ok(Ok(Raw(mut bytes))) => {
                    bytes.insert(0, 0);
                    Ok(bytes)
                }
                Ok(Err(lang_error)) => Ok(scale::Encode::encode(&Err::<(), _>(lang_error))),
                Err(_) => Err(Error::CallFailed),
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use scale::{Decode, Encode};

        #[test]
        fn raw_passes_bytes_through_unchanged() {
            let raw = Raw(vec![1, 2, 3, 250]);
            assert_eq!(raw.encode(), vec![1, 2, 3, 250]);
            assert_eq!(Raw::decode(&mut &[9u8, 8, 7][..]).unwrap(), Raw(vec![9, 8, 7]));
            assert_eq!(Raw::decode(&mut &[][..]).unwrap(), Raw(vec![]));
        }

        #[ink::test]
        fn short_call_data_is_refused() {
            let mut f = Forwarder::new();
            let callee = AccountId::from([1; 32]);
            assert_eq!(f.forward(callee, vec![1, 2, 3]), Err(Error::NoSelector));
        }
    }
}
