//! The partnership's list of agency names and their aliases (clarification 13):
//! kept in the data directory (`agencies.toml`, shared with the directory), so a
//! journal keeps a name exactly as it was typed and a report counts it under the
//! canonical name in force when the report runs. Also finds names that look alike
//! but are not aliased, for a report to warn about.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Hint, Result};

const VERSION: u32 = 1;
/// A partnership's list is a few kilobytes; anything this large is not one.
const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agency {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agencies {
    /// The file format's version: a later one may add fields, never rename them.
    pub version: u32,
    #[serde(default, rename = "agency")]
    pub agencies: Vec<Agency>,
}

impl Default for Agencies {
    fn default() -> Self {
        Agencies {
            version: VERSION,
            agencies: Vec::new(),
        }
    }
}

/// How names are compared when looking one up: case and spacing do not matter.
fn key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A name with case, punctuation and spacing taken out: "Children’s Social Care"
/// and "childrens social-care" look alike.
fn letters(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The initials of a name of several words ("Children's Social Care": "csc").
fn initials(name: &str) -> Option<String> {
    let words: Vec<&str> = name
        .split(|c: char| c.is_whitespace() || c == '-' || c == '/')
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .collect();
    (words.len() >= 2).then(|| {
        words
            .iter()
            .filter_map(|w| w.chars().find(|c| c.is_alphanumeric()))
            .flat_map(char::to_lowercase)
            .collect()
    })
}

/// A name or alias as typed, checked as every name is (`text::required`: no
/// control or bidi character, no line break, at most `MAX_SHORT` characters: the
/// list is shared with every agency in the partnership), its spacing made single.
fn checked(what: &str, name: &str) -> Result<String> {
    let name = crate::domain::text::required(what, name, crate::domain::text::MAX_SHORT)?;
    Ok(name.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Whether two names probably mean the same agency.
pub(crate) fn look_alike(a: &str, b: &str) -> bool {
    let (la, lb) = (letters(a), letters(b));
    !la.is_empty()
        && (la == lb
            || initials(a).is_some_and(|i| i == lb)
            || initials(b).is_some_and(|i| i == la))
}

pub(crate) fn path_in(root: &Path) -> PathBuf {
    crate::store::layout::agencies(root)
}

impl Agencies {
    /// The list of the data directory at `root`; empty if it has none.
    pub fn read(root: &Path) -> Result<Agencies> {
        let path = path_in(root);
        let text = match crate::store::fsutil::read_limited_text(
            &path,
            MAX_FILE_BYTES,
            crate::store::fsutil::Links::Follow,
        ) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Agencies::default()),
            Err(e) => return Err(Error::io(format!("could not read {}", path.display()), e)),
        };
        let list: Agencies = toml::from_str(&text).map_err(|e| {
            Error::damaged_file(
                &path,
                format!("it is not a valid list of agencies: {e}"),
                Hint::FixAgencyFile,
            )
        })?;
        if list.version > VERSION {
            return Err(Error::refused(format!(
                "{} was written by a newer escalate (version {})",
                path.display(),
                list.version
            ))
            .with_hint(Hint::UpdateEscalate));
        }
        Ok(list)
    }

    /// Write the list whole, atomically (a reader sees the old list or the new one).
    pub fn write(&self, root: &Path) -> Result<()> {
        let path = path_in(root);
        let mut text = String::from(
            "# Agency names and their aliases, kept by `escalate agency`. Journals keep\n# names as typed; reports count an alias under its agency's name.\n",
        );
        text.push_str(&toml::to_string(self).map_err(|e| Error::internal(e.to_string()))?);
        crate::store::fsutil::replace_file(&path, text.as_bytes())
    }

    /// The agency a name (or alias) belongs to.
    pub fn find(&self, name: &str) -> Option<&Agency> {
        let k = key(name);
        self.agencies
            .iter()
            .find(|a| key(&a.name) == k || a.aliases.iter().any(|x| key(x) == k))
    }

    /// The name a report counts `name` under: its agency's, or itself as typed.
    pub fn canonical<'a>(&'a self, name: &'a str) -> Cow<'a, str> {
        match self.find(name) {
            Some(a) => Cow::Borrowed(&a.name),
            None => Cow::Borrowed(name),
        }
    }

    pub fn add(&mut self, name: &str) -> Result<()> {
        if name.trim().is_empty() {
            return Err(Error::usage("an agency needs a name").with_hint(Hint::AgencyAddExample));
        }
        let name = checked("the agency's name", name)?;
        if let Some(a) = self.find(&name) {
            return Err(Error::refused(format!(
                "{name:?} is already on the list, as {:?}",
                a.name
            ))
            .with_hint(Hint::AgencyList));
        }
        self.agencies.push(Agency {
            name,
            aliases: Vec::new(),
        });
        self.agencies.sort_by_key(|a| key(&a.name));
        Ok(())
    }

    pub fn alias(&mut self, alias: &str, name: &str) -> Result<()> {
        if alias.trim().is_empty() {
            return Err(Error::usage("an alias cannot be empty"));
        }
        let alias = checked("the alias", alias)?;
        if let Some(a) = self.find(&alias) {
            return Err(
                Error::refused(format!("{alias:?} already stands for {:?}", a.name))
                    .with_hint(Hint::AgencyList),
            );
        }
        let k = key(name);
        let Some(agency) = self.agencies.iter_mut().find(|a| key(&a.name) == k) else {
            return Err(
                Error::refused(format!("no agency is called {name:?}")).with_hint(
                    Hint::AddAgencyFirst {
                        name: name.to_owned(),
                    },
                ),
            );
        };
        agency.aliases.push(alias);
        Ok(())
    }

    /// Each name and alias holding a character input refuses (a control or bidi
    /// character: the file travels between agencies, and may have been written by
    /// hand), for `verify` to report; every output shows them escaped.
    pub(crate) fn suspect_names(&self) -> Vec<String> {
        self.agencies
            .iter()
            .flat_map(|a| std::iter::once(&a.name).chain(&a.aliases))
            .filter_map(|n| {
                crate::domain::text::first_refused(n).map(|c| {
                    format!(
                        "the agency name {} holds a control character (U+{:04X}); it is shown escaped",
                        crate::domain::text::one_line(n),
                        c as u32
                    )
                })
            })
            .collect()
    }

    /// The one test every agency filter uses (`status --agency`, a shared
    /// directory's own organisation, `report --agency`): a name matches `wanted`
    /// when both are the same agency on this list, by its name or any alias,
    /// whatever the case and spacing.
    pub fn matcher(&self, wanted: &str) -> Matcher {
        let keys = match self.find(wanted) {
            Some(a) => std::iter::once(&a.name)
                .chain(&a.aliases)
                .map(|n| key(n))
                .collect(),
            None => BTreeSet::from([key(wanted)]),
        };
        Matcher {
            wanted: wanted.trim().to_owned(),
            keys,
        }
    }

    /// Pairs of `names` (as a report counts them) that look alike but are not
    /// aliased to one agency: each pair once, in name order.
    pub fn unaliased_look_alikes(&self, names: &BTreeSet<String>) -> Vec<(String, String)> {
        let names: Vec<&String> = names.iter().collect();
        let mut out = Vec::new();
        for (i, a) in names.iter().enumerate() {
            for b in &names[i + 1..] {
                if look_alike(a, b) && self.canonical(a) != self.canonical(b) {
                    out.push(((*a).clone(), (*b).clone()));
                }
            }
        }
        out
    }
}

/// An agency as a filter names it, with every name it goes by (`Agencies::matcher`).
#[derive(Clone, Debug)]
pub struct Matcher {
    wanted: String,
    /// The compared forms of the agency's name and aliases.
    keys: BTreeSet<String>,
}

impl Matcher {
    /// The name as it was asked for.
    pub fn wanted(&self) -> &str {
        &self.wanted
    }

    /// Whether `name` (as a journal keeps it, or its canonical name) is this agency.
    pub(crate) fn matches(&self, name: &str) -> bool {
        self.keys.contains(&key(name))
    }

    /// Whether a dispute between `from` and `with` involves this agency.
    pub fn involves(&self, from: &str, with: &str) -> bool {
        self.matches(from) || self.matches(with)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_look_alike() {
        assert!(look_alike("CSC", "Children's Social Care"));
        assert!(look_alike(
            "children’s social-care",
            "Children's Social Care"
        ));
        assert!(look_alike("G.P.", "gp"));
        assert!(!look_alike("CSC", "Police"));
        assert!(!look_alike("School", "St Mary's School"));
    }

    #[test]
    fn an_alias_counts_under_its_agency() {
        let mut a = Agencies::default();
        a.add("Children's Social Care").unwrap();
        a.alias("CSC", "children's social care").unwrap();
        assert_eq!(a.canonical("csc"), "Children's Social Care");
        assert_eq!(a.canonical("Police"), "Police");
        assert!(a.alias("CSC", "Children's Social Care").is_err());
        assert!(a.alias("X", "Nobody").is_err());
        assert!(a.add("csc").is_err());
    }

    #[test]
    fn names_holding_control_characters_are_refused() {
        let mut a = Agencies::default();
        for bad in [
            "Police\x1b[2K",
            "Police\rCSC",
            "Police\nCSC",
            "Police\tCSC",
            "Police\u{9b}",
            "Police \u{202E}SCIMED",
        ] {
            let err = a.add(bad).unwrap_err();
            assert_eq!(err.exit_code(), 1, "{bad:?}");
        }
        a.add("Police").unwrap();
        assert!(a.alias("Pol\x1b", "Police").is_err());
        assert!(a.agencies[0].aliases.is_empty());
        a.agencies[0].aliases.push("Pol\x1b[1A".into());
        assert_eq!(a.suspect_names().len(), 1);
        assert!(a.suspect_names()[0].contains("Pol<U+001B>[1A"));
    }

    #[test]
    fn a_filter_by_alias_or_name_finds_both() {
        let mut a = Agencies::default();
        a.add("Children's Social Care").unwrap();
        a.alias("CSC", "Children's Social Care").unwrap();
        for wanted in ["csc", "children's  social care"] {
            let m = a.matcher(wanted);
            assert!(m.matches("CSC") && m.matches("Children's Social Care"));
            assert!(!m.matches("Police"));
        }
        assert!(a.matcher("Police").matches(" police "));
    }
}
