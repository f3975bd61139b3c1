//! The user's settings file, `config.toml` in the platform config directory: their
//! name, default policy, organisation and bank-holiday division. Precedence is
//! flags, then environment variables, then this file, then built-in defaults. The
//! file is small and replaceable, so it is rewritten whole (atomically) on `set`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::calendar::Division;
use crate::error::{Error, Hint, Result};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Recorded as `by` when neither --by nor ESCALATE_USER is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Used by `open` when --policy is not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// Used by `open` as --from when it is not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// Default division for `escalate calendar` commands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub division: Option<Division>,
    /// `auto`: in a shared directory, sync after every recording command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync: Option<String>,
}

/// The keys `config get/set` accept, with what each means.
pub const KEYS: [(&str, &str); 5] = [
    ("name", "your name or role, recorded on every event"),
    ("policy", "the policy `open` uses when --policy is not given"),
    ("organisation", "your agency, used as `open --from` when not given"),
    ("division", "bank-holiday division for `calendar` commands: england-and-wales, scotland or northern-ireland"),
    ("sync", "in a shared directory: auto (sync after every recording command) or manual"),
];

impl Config {
    /// Read the file; a missing file is an empty config.
    pub fn load(path: &Path) -> Result<Config> {
        let text = match crate::store::fsutil::read_file_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => return Err(Error::io(format!("could not read {}", path.display()), e)),
        };
        toml::from_str(&text).map_err(|e| {
            Error::refused(format!(
                "{} is not a valid escalate config: {}",
                path.display(),
                e.message().trim()
            ))
            .with_hint(Hint::FixOrDeleteConfig {
                keys: KEYS.iter().map(|(k, _)| (*k).to_owned()).collect(),
            })
        })
    }

    pub fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(match key {
            "name" => self.name.clone(),
            "policy" => self.policy.clone(),
            "organisation" => self.organisation.clone(),
            "division" => self.division.map(|d| d.as_str().to_owned()),
            "sync" => self.sync.clone(),
            other => return Err(unknown_key(other)),
        })
    }

    /// Set (or with an empty value, clear) a key, checking the value.
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        let value = value.trim();
        let text = |flag: &str| -> Result<Option<String>> {
            crate::domain::text::optional(flag, Some(value), crate::domain::text::MAX_SHORT)
        };
        match key {
            "name" => self.name = text("name")?,
            "policy" => self.policy = text("policy")?,
            "organisation" => self.organisation = text("organisation")?,
            "division" => {
                self.division = match value {
                    "" => None,
                    v => Some(v.parse().map_err(|e: crate::calendar::CalendarError| {
                        Error::refused(e.to_string())
                    })?),
                }
            }
            "sync" => {
                self.sync = match value {
                    "" => None,
                    "auto" | "manual" => Some(value.to_owned()),
                    _ => {
                        return Err(Error::refused(format!(
                            "sync can be auto or manual, not {:?}",
                            value.chars().take(40).collect::<String>()
                        ))
                        .with_hint(Hint::SyncSettingValues))
                    }
                }
            }
            other => return Err(unknown_key(other)),
        }
        Ok(())
    }

    /// Write the whole file atomically (a reader sees the old file or the new one).
    pub fn save(&self, path: &Path) -> Result<()> {
        let dir = path.parent().unwrap_or(Path::new("."));
        crate::store::fsutil::private_dir(dir)?;
        let text = toml::to_string(self)
            .map_err(|e| Error::refused(format!("could not write the config: {e}")))?;
        crate::store::fsutil::replace_file(path, text.as_bytes())
    }
}

fn unknown_key(key: &str) -> Error {
    let shown: String = key.chars().filter(|c| !c.is_control()).take(40).collect();
    Error::refused(format!("there is no setting called {shown:?}")).with_hint(Hint::KnownSettings {
        settings: KEYS
            .iter()
            .map(|(k, what)| ((*k).to_owned(), (*what).to_owned()))
            .collect(),
    })
}
