//! The integration guide's test cards, Luhn-checked, and what each one does.

/// What a card does when charged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardBehaviour {
    /// 4242 4242 4242 4242: the charge succeeds.
    Succeeds,
    /// 4000 0000 0000 0002: generic decline (`card_declined`).
    Declines,
    /// 4000 0000 0000 9995: `insufficient_funds`.
    InsufficientFunds,
    /// 4000 0027 6000 3184: 3-D Secure required (`requires_action`), then the challenge decides.
    Requires3ds,
    /// 4000 0000 0000 0341: attaches, then the charge declines.
    AttachesThenDeclines,
}

/// The test cards and their behaviour.
pub const TEST_CARDS: &[(&str, CardBehaviour)] = &[
    ("4242424242424242", CardBehaviour::Succeeds),
    ("4000000000000002", CardBehaviour::Declines),
    ("4000000000009995", CardBehaviour::InsufficientFunds),
    ("4000002760003184", CardBehaviour::Requires3ds),
    ("4000000000000341", CardBehaviour::AttachesThenDeclines),
];

/// Whether `number` (digits, spaces allowed) passes the Luhn check.
pub fn luhn_valid(number: &str) -> bool {
    let digits: Vec<u32> =
        number.chars().filter(|c| *c != ' ').map(|c| c.to_digit(10)).collect::<Option<_>>().unwrap_or_default();
    if digits.len() < 12 {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                *d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The behaviour of a card number: `None` when it fails Luhn; any other valid number succeeds.
pub fn behaviour(number: &str) -> Option<CardBehaviour> {
    if !luhn_valid(number) {
        return None;
    }
    let digits: String = number.chars().filter(|c| *c != ' ').collect();
    Some(TEST_CARDS.iter().find(|(n, _)| *n == digits).map_or(CardBehaviour::Succeeds, |(_, b)| *b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_test_card_passes_luhn_and_a_typo_does_not() {
        for (number, _) in TEST_CARDS {
            assert!(luhn_valid(number), "{number}");
        }
        assert!(!luhn_valid("4242424242424241"));
        assert_eq!(behaviour("4000 0027 6000 3184"), Some(CardBehaviour::Requires3ds));
        assert_eq!(behaviour("4242 4242 4242 4241"), None);
    }
}
