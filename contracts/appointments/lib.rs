#![cfg_attr(not(feature = "std"), no_std, no_main)]
#[ink::contract]
mod appointments {
    #[ink(storage)]
    pub struct C { v: bool }
    impl C {
        #[ink(constructor)]
        pub fn new() -> Self { Self { v: false } }
        #[ink(message)]
        pub fn get(&self) -> bool { self.v }
    }
}
