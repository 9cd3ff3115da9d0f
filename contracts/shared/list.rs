//! A bounded per-account list over two existing storage mappings.
//!
//! Every contract of the suite keeps lists per account the same way: the
//! items under `(owner, index)` in one `Mapping<(AccountId, u32), T>` and the
//! length under `owner` in a `Mapping<AccountId, u32>`. The functions here
//! are those lists' operations, written once. They take the two mappings as
//! they are declared in the contract's storage (any storage key), so they add
//! no storage of their own and change no key: a contract that switches to
//! them reads and writes exactly the cells it did before.
//!
//! | pair (items, length) | contract |
//! |---|---|
//! | `by_patient`, `patient_len`; `by_doctor`, `doctor_len` | appointments |
//! | `patient_grantees`, `patient_grant_len`; `grantee_patients`, `grantee_len` | permissions |
//! | `emergencies`, `emergency_len`; `log`, `log_len` | permissions |
//! | `records`, `record_len`; `medications`, `medication_len` | records |
//!
//! A missing length reads as 0 (an account that never had an item).

use crate::{page_bounds, Error, Result};
use ink::prelude::vec::Vec;
use ink::primitives::AccountId;
use ink::storage::traits::{Packed, StorageKey};
use ink::storage::Mapping;
use scale::EncodeLike;

/// The items of the lists: `(owner, index)` → item.
pub type Items<T, K> = Mapping<(AccountId, u32), T, K>;
/// The lengths of the lists: owner → number of items.
pub type Lens<K> = Mapping<AccountId, u32, K>;

/// The most items a list may hold and the error once it holds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    /// Most items.
    pub max: u32,
    /// The error `push` returns when the list already holds `max` items.
    pub full: Error,
}

impl Bound {
    /// No bound but `u32` itself (`Overflow` past `u32::MAX` items).
    pub const NONE: Bound = Bound { max: u32::MAX, full: Error::Overflow };

    /// At most `max` items, `full` beyond.
    pub const fn new(max: u32, full: Error) -> Bound {
        Bound { max, full }
    }
}

/// Number of items in `owner`'s list.
pub fn len<KL: StorageKey>(lens: &Lens<KL>, owner: AccountId) -> u32 {
    lens.get(owner).unwrap_or(0)
}

/// The item at `index` of `owner`'s list, if any.
pub fn get<T: Packed, KI: StorageKey>(items: &Items<T, KI>, owner: AccountId, index: u32) -> Option<T> {
    items.get((owner, index))
}

/// Replaces the item at `index` of `owner`'s list (the caller knows that
/// `index` is below the length: it just read the item there).
pub fn set<T: Packed + EncodeLike, KI: StorageKey>(items: &mut Items<T, KI>, owner: AccountId, index: u32, value: &T) {
    items.insert((owner, index), value);
}

/// Appends `value` to `owner`'s list and returns its index.
///
/// # Errors
/// `bound.full` when the list already holds `bound.max` items; `Overflow`
/// if the length cannot grow.
pub fn push<T: Packed + EncodeLike, KI: StorageKey, KL: StorageKey>(
    items: &mut Items<T, KI>,
    lens: &mut Lens<KL>,
    owner: AccountId,
    value: &T,
    bound: Bound,
) -> Result<u32> {
    let index = len(lens, owner);
    if index >= bound.max {
        return Err(bound.full);
    }
    let next = index.checked_add(1).ok_or(Error::Overflow)?;
    items.insert((owner, index), value);
    lens.insert(owner, &next);
    Ok(index)
}

/// Removes the item at `index` of `owner`'s list by moving the last item
/// into its place (order is not kept; the list stays dense). Returns the
/// moved item, now at `index`, so that the caller can update anything that
/// remembers positions; `None` when the removed item was the last one.
///
/// # Errors
/// `Overflow` for an empty list or a missing last item (inconsistent
/// storage; nothing is written).
pub fn swap_remove<T: Packed + EncodeLike, KI: StorageKey, KL: StorageKey>(
    items: &mut Items<T, KI>,
    lens: &mut Lens<KL>,
    owner: AccountId,
    index: u32,
) -> Result<Option<T>> {
    let last = len(lens, owner).checked_sub(1).ok_or(Error::Overflow)?;
    let moved = if index != last {
        let moved = items.get((owner, last)).ok_or(Error::Overflow)?;
        items.insert((owner, index), &moved);
        Some(moved)
    } else {
        None
    };
    items.remove((owner, last));
    lens.insert(owner, &last);
    Ok(moved)
}

/// A page of `owner`'s list: items `start..start + limit` (the limit capped
/// at `MAX_PAGE`), each passed with its index through `f`; items for which
/// `f` returns `None` (or that are missing) are left out.
pub fn page_with<T: Packed, U, KI: StorageKey, KL: StorageKey>(
    items: &Items<T, KI>,
    lens: &Lens<KL>,
    owner: AccountId,
    start: u32,
    limit: u32,
    f: impl Fn(u32, T) -> Option<U>,
) -> Vec<U> {
    let (start, end) = page_bounds(start, limit, len(lens, owner));
    (start..end).filter_map(|i| f(i, items.get((owner, i))?)).collect()
}

/// A page of `owner`'s list: items `start..start + limit`, the limit capped
/// at `MAX_PAGE`.
pub fn page<T: Packed, KI: StorageKey, KL: StorageKey>(
    items: &Items<T, KI>,
    lens: &Lens<KL>,
    owner: AccountId,
    start: u32,
    limit: u32,
) -> Vec<T> {
    page_with(items, lens, owner, start, limit, |_, t| Some(t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MAX_PAGE;
    use ink::storage::traits::ManualKey;

    type ItemsOf<T> = Items<T, ManualKey<1>>;
    type LensOf = Lens<ManualKey<2>>;

    fn owner(b: u8) -> AccountId {
        AccountId::from([b; 32])
    }

    fn run(f: impl FnOnce()) {
        ink::env::test::run_test::<ink::env::DefaultEnvironment, _>(|_| {
            f();
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn push_get_len_and_bound() {
        run(|| {
            let (mut items, mut lens) = (ItemsOf::<u64>::new(), LensOf::new());
            let (a, b) = (owner(1), owner(2));
            let two = Bound::new(2, Error::TooManyGrants);
            assert_eq!(len(&lens, a), 0);
            assert_eq!(push(&mut items, &mut lens, a, &10, two), Ok(0));
            assert_eq!(push(&mut items, &mut lens, a, &11, two), Ok(1));
            assert_eq!(push(&mut items, &mut lens, a, &12, two), Err(Error::TooManyGrants));
            assert_eq!(push(&mut items, &mut lens, b, &20, Bound::NONE), Ok(0), "lists are per owner");
            assert_eq!((len(&lens, a), len(&lens, b)), (2, 1));
            assert_eq!((get(&items, a, 1), get(&items, a, 2), get(&items, b, 0)), (Some(11), None, Some(20)));
            set(&mut items, a, 1, &99);
            assert_eq!(get(&items, a, 1), Some(99));
        });
    }

    #[test]
    fn swap_remove_keeps_the_list_dense() {
        run(|| {
            let (mut items, mut lens) = (ItemsOf::<u64>::new(), LensOf::new());
            let a = owner(1);
            for v in [10, 11, 12, 13] {
                push(&mut items, &mut lens, a, &v, Bound::NONE).unwrap();
            }
            assert_eq!(swap_remove(&mut items, &mut lens, a, 1), Ok(Some(13)), "the last moves into the hole");
            assert_eq!(page(&items, &lens, a, 0, 10), vec![10, 13, 12]);
            assert_eq!(swap_remove(&mut items, &mut lens, a, 2), Ok(None), "removing the last moves nothing");
            assert_eq!(page(&items, &lens, a, 0, 10), vec![10, 13]);
            assert_eq!(get(&items, a, 2), None, "the old last cell is cleared");
            swap_remove(&mut items, &mut lens, a, 0).unwrap();
            swap_remove(&mut items, &mut lens, a, 0).unwrap();
            assert_eq!(len(&lens, a), 0);
            assert_eq!(swap_remove(&mut items, &mut lens, a, 0), Err(Error::Overflow), "empty list");
        });
    }

    #[test]
    fn pages_are_capped_and_indexed() {
        run(|| {
            let (mut items, mut lens) = (ItemsOf::<u32>::new(), LensOf::new());
            let a = owner(1);
            for v in 0..(MAX_PAGE + 5) {
                push(&mut items, &mut lens, a, &(v * 2), Bound::NONE).unwrap();
            }
            assert_eq!(page(&items, &lens, a, 0, u32::MAX).len(), MAX_PAGE as usize);
            assert_eq!(page(&items, &lens, a, MAX_PAGE + 3, 10), vec![2 * (MAX_PAGE + 3), 2 * (MAX_PAGE + 4)]);
            assert_eq!(page(&items, &lens, a, u32::MAX, 10), Vec::<u32>::new());
            let odd_index = page_with(&items, &lens, a, 0, 4, |i, v| (i % 2 == 1).then_some((i, v)));
            assert_eq!(odd_index, vec![(1, 2), (3, 6)]);
            assert_eq!(page(&items, &lens, owner(2), 0, 10), Vec::<u32>::new());
        });
    }
}
