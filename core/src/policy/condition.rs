//! The conditions a policy's `when` lists test (`cp-plan`, `looked-after`,
//! `immediate-harm`, `category:<id>`), parsed once when the policy is read, and
//! the yes/no facts (`Flag`) a dispute records and `amend --fact` names. Both are
//! written as the words policy files, pinned policy texts, journals and the status
//! cache have always held.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A yes/no fact about the child that a dispute records at opening or learns later.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Flag {
    CpPlan,
    LookedAfter,
    ImmediateHarm,
}

impl Flag {
    /// In the order questions about them are asked.
    pub const ALL: [Flag; 3] = [Flag::CpPlan, Flag::LookedAfter, Flag::ImmediateHarm];

    /// The name policies, journals and `amend --fact` use.
    pub fn name(self) -> &'static str {
        match self {
            Flag::CpPlan => "cp-plan",
            Flag::LookedAfter => "looked-after",
            Flag::ImmediateHarm => "immediate-harm",
        }
    }

    /// The flag with exactly this name.
    pub fn parse(name: &str) -> Option<Flag> {
        Flag::ALL.into_iter().find(|f| f.name() == name)
    }

    /// "cp-plan, looked-after, immediate-harm", for messages listing them.
    pub fn names() -> String {
        Flag::ALL.map(Flag::name).join(", ")
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl From<Flag> for String {
    fn from(flag: Flag) -> String {
        flag.name().to_owned()
    }
}

impl TryFrom<String> for Flag {
    type Error = String;

    fn try_from(name: String) -> Result<Flag, String> {
        Flag::parse(&name).ok_or_else(|| format!("a fact {name:?}, which escalate does not know"))
    }
}

/// One entry of a `when` list.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", from = "String")]
pub enum Condition {
    Flag(Flag),
    /// `category:<id>`: the dispute's category is `id`.
    Category(String),
    /// A name escalate does not know. It is kept rather than refused while reading
    /// so that `policy check` can report it with its line among the file's other
    /// problems; a policy with one never loads, and it never holds.
    Unknown(String),
}

const CATEGORY: &str = "category:";

impl Condition {
    /// Read a condition as a policy writes it. Every text reads back to itself.
    pub fn parse(text: &str) -> Condition {
        if let Some(flag) = Flag::parse(text) {
            Condition::Flag(flag)
        } else if let Some(id) = text.strip_prefix(CATEGORY) {
            Condition::Category(id.to_owned())
        } else {
            Condition::Unknown(text.to_owned())
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Flag(flag) => f.write_str(flag.name()),
            Condition::Category(id) => write!(f, "{CATEGORY}{id}"),
            Condition::Unknown(text) => f.write_str(text),
        }
    }
}

impl From<String> for Condition {
    fn from(text: String) -> Condition {
        Condition::parse(&text)
    }
}

impl From<Condition> for String {
    fn from(c: Condition) -> String {
        c.to_string()
    }
}

impl From<Flag> for Condition {
    fn from(flag: Flag) -> Condition {
        Condition::Flag(flag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn conditions_parse_into_what_they_test() {
        assert_eq!(Condition::parse("cp-plan"), Condition::Flag(Flag::CpPlan));
        assert_eq!(
            Condition::parse("looked-after"),
            Condition::Flag(Flag::LookedAfter)
        );
        assert_eq!(
            Condition::parse("immediate-harm"),
            Condition::Flag(Flag::ImmediateHarm)
        );
        assert_eq!(
            Condition::parse("category:neglect"),
            Condition::Category("neglect".into())
        );
        // Names are matched exactly, as policy files have always been read.
        assert_eq!(
            Condition::parse("CP-plan"),
            Condition::Unknown("CP-plan".into())
        );
        assert_eq!(
            Condition::parse("child-in-need"),
            Condition::Unknown("child-in-need".into())
        );
    }

    #[test]
    fn a_when_list_reads_and_writes_the_same_toml_and_json() {
        #[derive(Serialize, Deserialize)]
        struct Rule {
            when: Vec<Condition>,
        }
        let text = "when = [\"cp-plan\", \"category:icpc\", \"child-in-need\"]\n";
        let rule: Rule = toml::from_str(text).unwrap();
        assert_eq!(
            rule.when,
            vec![
                Condition::Flag(Flag::CpPlan),
                Condition::Category("icpc".into()),
                Condition::Unknown("child-in-need".into()),
            ]
        );
        assert_eq!(toml::to_string(&rule).unwrap(), text);
        assert_eq!(
            serde_json::to_string(&rule).unwrap(),
            r#"{"when":["cp-plan","category:icpc","child-in-need"]}"#
        );
    }

    #[test]
    fn a_flag_is_written_as_its_name_and_an_unknown_one_is_refused() {
        assert_eq!(
            serde_json::to_string(&Flag::LookedAfter).unwrap(),
            "\"looked-after\""
        );
        assert_eq!(
            serde_json::from_str::<Flag>("\"immediate-harm\"").unwrap(),
            Flag::ImmediateHarm
        );
        assert!(serde_json::from_str::<Flag>("\"adopted\"").is_err());
        assert_eq!(Flag::names(), "cp-plan, looked-after, immediate-harm");
    }

    proptest! {
        #[test]
        fn every_text_prints_back_as_itself(text in "\\PC{0,20}|category:[a-z-]{0,8}|cp-plan") {
            prop_assert_eq!(Condition::parse(&text).to_string(), text);
        }
    }
}
