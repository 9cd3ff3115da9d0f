#![cfg_attr(not(feature = "std"), no_std, no_main)]
//! A minimal ERC-20 token: the baseline every SMRMS cost is compared to in
//! `scripts/bench.sh` (a `transfer` is the most common contract call there is).

#[ink::contract]
pub mod erc20 {
    use ink::storage::Mapping;

    /// Errors of the token.
    #[derive(Debug, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum TokenError {
        /// The sender's balance is too low.
        InsufficientBalance,
    }

    /// A transfer happened.
    #[ink(event)]
    pub struct Transfer {
        /// Sender.
        #[ink(topic)]
        from: AccountId,
        /// Receiver.
        #[ink(topic)]
        to: AccountId,
        /// Amount.
        value: Balance,
    }

    /// Token storage.
    #[ink(storage)]
    pub struct Erc20 {
        total_supply: Balance,
        balances: Mapping<AccountId, Balance>,
    }

    impl Erc20 {
        /// Mints `total_supply` to the deployer.
        #[ink(constructor)]
        pub fn new(total_supply: Balance) -> Self {
            let mut balances = Mapping::default();
            balances.insert(Self::env().caller(), &total_supply);
            Self { total_supply, balances }
        }

        /// Balance of `owner`.
        #[ink(message)]
        pub fn balance_of(&self, owner: AccountId) -> Balance {
            self.balances.get(owner).unwrap_or(0)
        }

        /// Total supply.
        #[ink(message)]
        pub fn total_supply(&self) -> Balance {
            self.total_supply
        }

        /// Moves `value` from the caller to `to`.
        #[ink(message)]
        pub fn transfer(&mut self, to: AccountId, value: Balance) -> Result<(), TokenError> {
            let from = self.env().caller();
            let from_balance = self.balance_of(from);
            let rest = from_balance.checked_sub(value).ok_or(TokenError::InsufficientBalance)?;
            self.balances.insert(from, &rest);
            let to_balance = self.balance_of(to);
            self.balances.insert(to, &to_balance.saturating_add(value));
            self.env().emit_event(Transfer { from, to, value });
            Ok(())
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[ink::test]
        fn transfer_moves_balance_and_refuses_overdraft() {
            let a = ink::env::test::default_accounts::<ink::env::DefaultEnvironment>();
            let mut t = Erc20::new(100);
            assert_eq!(t.transfer(a.bob, 30), Ok(()));
            assert_eq!((t.balance_of(a.alice), t.balance_of(a.bob)), (70, 30));
            assert_eq!(t.transfer(a.bob, 71), Err(TokenError::InsufficientBalance));
            assert_eq!(t.total_supply(), 100);
        }
    }
}
