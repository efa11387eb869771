//! `lifecycle::apply`: folding any sequence gives the same state as folding it
//! reversed and doubled (order and duplicates never matter within a kind).
#![no_main]

use libfuzzer_sys::fuzz_target;
use paywit::lifecycle::{fold, State};

fuzz_target!(|data: &[u8]| {
    let all = State::all();
    let Some((&kind_byte, picks)) = data.split_first() else {
        return;
    };
    let kind = std::mem::discriminant(&all[kind_byte as usize % all.len()]);
    let of_kind: Vec<State> = all.iter().copied().filter(|s| std::mem::discriminant(s) == kind).collect();
    let events: Vec<State> = picks.iter().map(|p| of_kind[*p as usize % of_kind.len()]).collect();
    let forward = fold(events.iter().copied());
    assert_eq!(fold(events.iter().rev().copied()), forward);
    assert_eq!(fold(events.iter().chain(events.iter()).copied()), forward);
});
