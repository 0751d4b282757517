//! [`Named`]: a message that names settings, each spelled by the front end that shows it.
//!
//! The libraries know settings by name (`max_window_records`, `sort`, the names of `barsmith::settings`); a
//! user knows them as the front end spells them: the CLI as its flag (`--max-window-records`), Python as its
//! keyword. A message is text with the settings marked, and [`Named::spell`] writes it for one front end;
//! `Display` writes each setting's name.
//!
//! ```
//! use barsmith_core::Named;
//!
//! let message = Named::text("raise ").setting("max_window_records").then(" to compute them");
//! assert_eq!(message.to_string(), "raise max_window_records to compute them");
//! let flag = |name: &str| format!("--{}", name.replace('_', "-"));
//! assert_eq!(message.spell(&flag), "raise --max-window-records to compute them");
//! ```

use std::fmt;

/// Text with settings marked by name (see the module).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Named {
    parts: Vec<Part>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Text(String),
    Setting(&'static str),
}

impl Named {
    /// A message that starts with `text`.
    pub fn text(text: impl Into<String>) -> Named {
        Named { parts: vec![Part::Text(text.into())] }
    }

    /// A message that starts with the setting `name`.
    pub fn from_setting(name: &'static str) -> Named {
        Named { parts: vec![Part::Setting(name)] }
    }

    /// Adds `text`.
    pub fn then(mut self, text: impl Into<String>) -> Named {
        self.parts.push(Part::Text(text.into()));
        self
    }

    /// Adds the setting `name`.
    pub fn setting(mut self, name: &'static str) -> Named {
        self.parts.push(Part::Setting(name));
        self
    }

    /// Adds another message.
    pub fn append(mut self, other: Named) -> Named {
        self.parts.extend(other.parts);
        self
    }

    /// The message with each setting written by `name` (a flag, a keyword).
    pub fn spell(&self, name: &dyn Fn(&'static str) -> String) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Setting(setting) => out.push_str(&name(setting)),
            }
        }
        out
    }

    /// The settings the message names, in order.
    pub fn settings(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.parts.iter().filter_map(|part| match part {
            Part::Setting(name) => Some(*name),
            Part::Text(_) => None,
        })
    }
}

impl fmt::Display for Named {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.spell(&|name| name.to_owned()))
    }
}

impl From<String> for Named {
    fn from(text: String) -> Named {
        Named::text(text)
    }
}

impl From<&str> for Named {
    fn from(text: &str) -> Named {
        Named::text(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_spelled_by_the_caller() {
        let message = Named::from_setting("sort").then(" sorts a file; ").append(Named::text("see ").setting("dedupe"));
        assert_eq!(message.to_string(), "sort sorts a file; see dedupe");
        assert_eq!(message.spell(&|name| format!("--{name}")), "--sort sorts a file; see --dedupe");
        assert_eq!(message.settings().collect::<Vec<_>>(), ["sort", "dedupe"]);
        assert_eq!(Named::from("plain").to_string(), "plain");
    }
}
