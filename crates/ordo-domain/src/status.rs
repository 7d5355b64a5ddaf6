//! Named values spelled in the API as snake_case strings (statuses, kinds, reasons), and the
//! error a status machine gives for a step it does not allow. Each enum is declared once with
//! [`named_enum!`]; its transition table lives beside it.

/// Declares a fieldless enum whose variants are spelled as the given strings in JSON, with
/// `ALL`, `as_str`, `parse` and `Display`.
#[macro_export]
macro_rules! named_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl $crate::status::Named for $name {
            fn all() -> &'static [$name] {
                $name::ALL
            }
            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
            fn parse_named(s: &str) -> Option<$name> {
                $name::parse(s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// What every [`named_enum!`] is: a closed set of values with their spellings.
pub trait Named: Sized + Copy + PartialEq + 'static {
    fn all() -> &'static [Self];
    fn as_str(self) -> &'static str;
    fn parse_named(s: &str) -> Option<Self>;
    /// `a, b or c`.
    fn choices_named() -> String {
        either(Self::all().iter().map(|v| v.as_str()))
    }
}

/// `a`, `a or b`, `a, b or c`.
pub fn either<'a>(words: impl Iterator<Item = &'a str>) -> String {
    let words: Vec<&str> = words.collect();
    match words.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// A status with a lifecycle: the steps it allows, as one table (`can_become`), and the
/// step itself, refused with a sentence when the table does not allow it.
pub trait Lifecycle: Named {
    /// The word for what has the status, in messages: "return".
    const NOUN: &'static str;

    fn can_become(self, to: Self) -> bool;

    fn become_(self, to: Self) -> Result<Self, Transition> {
        if self.can_become(to) {
            Ok(to)
        } else {
            Err(Transition { noun: Self::NOUN, from: self.as_str(), to: to.as_str() })
        }
    }
}

/// A step a status machine does not allow: "a received return cannot become approved".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} {from} {noun} cannot become {to}", article(from))]
pub struct Transition {
    pub noun: &'static str,
    pub from: &'static str,
    pub to: &'static str,
}

/// The indefinite article for a word: `an approved`, `a received`.
pub fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::named_enum! {
        pub enum Colour { Red = "red", DarkBlue = "dark_blue" }
    }

    #[test]
    fn named_values_round_trip_through_their_spelling() {
        for c in Colour::ALL {
            assert_eq!(Colour::parse(c.as_str()), Some(*c));
            assert_eq!(serde_json::to_string(c).unwrap(), format!("\"{c}\""));
        }
        assert_eq!(Colour::parse("Red"), None);
        assert_eq!(Colour::choices_named(), "red or dark_blue");
        assert_eq!(either(["a", "b", "c"].into_iter()), "a, b or c");
        assert_eq!(either(std::iter::empty()), "");
    }
}
