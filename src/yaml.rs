//! The one place that parses YAML. serde_yaml is archived upstream; keeping it behind
//! this module means a swap to its drop-in fork touches nothing else.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

/// A YAML problem at a 1-based line and column of the YAML text that was parsed.
#[derive(Debug, Clone)]
pub struct YamlError {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    serde_yaml::from_str(text).map_err(|e| {
        let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
        YamlError { message: strip_position(&e.to_string()), line, column }
    })
}

/// serde_yaml appends "at line L column C" to its messages; we print positions ourselves.
fn strip_position(msg: &str) -> String {
    let mut out = msg.to_string();
    while let Some(i) = out.find(" at line ") {
        let rest = &out[i + 9..];
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == ' ' || c.is_ascii_alphabetic() && "column".contains(c)))
            .unwrap_or(rest.len());
        out.replace_range(i..i + 9 + end, "");
    }
    out
}

/// A scalar read as text whatever YAML made of it: `date: 2024` is an integer to YAML
/// but a year to us, and `title: 1984` is still a title.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Text;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a single value (text, number or date)")
            }
            fn visit_str<E>(self, v: &str) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct T {
        title: String,
        date: Text,
    }

    #[test]
    fn errors_carry_line_and_column() {
        let e = parse::<T>("title: [a, b]\ndate: 2024\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 8), "{e:?}");
        assert!(e.message.contains("invalid type"), "{}", e.message);
        assert!(!e.message.contains(" at line"), "{}", e.message);
        let e = parse::<T>("title: x\ndate: 2024\ntitel: y\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("unknown field `titel`"), "{}", e.message);
    }

    #[test]
    fn text_accepts_numbers() {
        let t: T = parse("title: x\ndate: 2024\n").unwrap();
        assert_eq!(t.date, Text("2024".into()));
    }
}
