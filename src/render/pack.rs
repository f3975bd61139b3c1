//! The board pack's content, shared by its HTML and Markdown renderings: each
//! section is a chart's data, the table that carries its numbers and one sentence
//! saying what it shows. Only presents what `report` computed, in words a board
//! reads: every count says what it counts ("disputes raised", "stage entries"),
//! a chart never puts two units on one axis, every "most" names all that tie,
//! and no field name of the JSON appears.

use std::collections::BTreeMap;

use crate::render::chart::Bars;
use escalate_core::domain::report::{ByStage, Figures, Report, Series, YearKind};

/// What the pack shows: the series `report` measured, and what the business
/// unit adds.
pub(crate) struct Pack<'a> {
    pub series: &'a Series,
    /// The partnership the title names.
    pub partnership: Option<String>,
    /// The business unit's commentary, as Markdown (`--commentary FILE`).
    pub commentary: Option<String>,
    /// How the data directory reckons quarters and years (to name periods).
    pub year: YearKind,
}

/// One section: a table, the sentence that sums it up, and the bars to draw.
pub(crate) struct Section {
    pub id: String,
    pub title: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub summary: String,
    /// Categories (x axis), the sets of bars and the y axis's label: one unit.
    pub chart: Option<(Vec<String>, Vec<Bars>, &'static str)>,
}

fn num(x: u64) -> String {
    x.to_string()
}

fn days(d: Option<f64>) -> String {
    d.map_or_else(|| "-".to_owned(), |d| d.to_string())
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The change from `before` to `now`, signed: "+2", "-1", "0".
fn change(now: u64, before: u64) -> String {
    match now.cmp(&before) {
        std::cmp::Ordering::Greater => format!("+{}", now - before),
        std::cmp::Ordering::Less => format!("-{}", before - now),
        std::cmp::Ordering::Equal => "0".to_owned(),
    }
}

/// "A", "A and B", "A, B and C".
pub(crate) fn and_list(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Every name with the largest count (above zero), in order: ties are all named.
pub(crate) fn most<'a>(
    counts: impl IntoIterator<Item = (&'a str, u64)>,
) -> Option<(Vec<String>, u64)> {
    let counts: Vec<(&str, u64)> = counts.into_iter().collect();
    let top = counts.iter().map(|(_, n)| *n).max().filter(|n| *n > 0)?;
    Some((
        counts
            .iter()
            .filter(|(_, n)| *n == top)
            .map(|(name, _)| (*name).to_owned())
            .collect(),
        top,
    ))
}

impl Pack<'_> {
    fn total(&self) -> &Report {
        &self.series.total
    }

    fn previous(&self) -> Option<&Report> {
        self.series.total.previous.as_deref()
    }

    /// What the comparison period is called in a column's heading.
    fn previous_name(&self) -> Option<String> {
        self.previous().map(|p| {
            escalate_core::domain::report::period_name(
                escalate_core::domain::report::Period {
                    from: p.from,
                    to: p.to,
                },
                self.year,
            )
        })
    }

    /// "to date" for a range that had not ended when the pack was made.
    fn to_date(&self) -> &'static str {
        if self.total().in_progress {
            " to date"
        } else {
            ""
        }
    }

    /// The pack's title.
    pub(crate) fn title(&self) -> String {
        let dates = format!(
            "{} to {}",
            escalate_core::domain::clock::human_date(self.series.from),
            escalate_core::domain::clock::human_date(self.series.to)
        );
        let dates = if self.total().in_progress {
            format!("{dates} (to date)")
        } else {
            dates
        };
        match &self.partnership {
            Some(p) => format!("{p}: professional disagreements, {dates}"),
            None => format!("Professional disagreements: {dates}"),
        }
    }

    /// Headings of a table of counts with their comparison: the counted
    /// thing's column, then the previous period's and the change.
    fn counted_header(&self, first: &str, unit: &str) -> Vec<String> {
        let mut h = vec![first.to_owned(), unit.to_owned()];
        if let Some(name) = self.previous_name() {
            h.push(format!("{unit}, {name}"));
            h.push("Change".into());
        }
        h
    }

    /// A row of a count and, when comparing, the previous count and the change.
    fn counted_row(&self, label: String, now: u64, before: Option<u64>) -> Vec<String> {
        let mut row = vec![label, num(now)];
        if self.previous().is_some() {
            let b = before.unwrap_or(0);
            row.push(num(b));
            row.push(change(now, b));
        }
        row
    }

    /// The headline figures for the whole range.
    pub(crate) fn figures(&self) -> Section {
        let f = &self.total().total;
        let p = self.previous().map(|p| &p.total);
        let mut rows = Vec::new();
        for figure in escalate_core::domain::report::FIGURE_TABLE {
            use escalate_core::domain::report::Get;
            let Some(label) = figure.shown.pack else {
                continue;
            };
            match figure.get {
                Get::Count(get) => rows.push(self.counted_row(label.into(), get(f), p.map(get))),
                Get::Days(get) => {
                    let mut row = vec![label.into(), days(get(f))];
                    if let Some(p) = p {
                        row.push(days(get(p)));
                        row.push(String::new());
                    }
                    rows.push(row);
                }
                // The stages have sections of their own.
                Get::ByStage(_) => {}
            }
        }
        let against = match (p, self.previous_name()) {
            (Some(p), Some(name)) => format!(" (against {} in {name})", p.opened),
            _ => String::new(),
        };
        let end = if self.total().in_progress {
            "open now"
        } else {
            "open at the end"
        };
        Section {
            id: "figures".into(),
            title: format!("The figures{}", self.to_date()),
            header: self.counted_header("Figure", "Count"),
            rows,
            summary: format!(
                "{} raised{}{against}; {} resolved; {} {end}, {} of them past a deadline.",
                plural(f.opened, "dispute was", "disputes were"),
                self.to_date(),
                plural(f.resolved, "was", "were"),
                plural(f.open_at_end, "was", "were"),
                f.open_overdue_at_end,
            ),
            chart: None,
        }
    }

    /// The disputes raised, by the highest stage each reached: each once.
    pub(crate) fn highest_stage(&self) -> Section {
        let f = &self.total().total;
        let before = self.previous().map(|p| &p.total.highest_stage);
        let mut stages: Vec<u32> = f.highest_stage.keys().copied().collect();
        if let Some(b) = before {
            stages.extend(b.keys());
        }
        stages.sort_unstable();
        stages.dedup();
        let get = |m: &ByStage<u64>, n: &u32| m.get(n).copied().unwrap_or(0);
        let name = |n: &u32| stage_name(&f.stage_labels, *n);
        let rows = stages
            .iter()
            .map(|n| self.counted_row(name(n), get(&f.highest_stage, n), before.map(|b| get(b, n))))
            .collect();
        let mut sets = vec![Bars {
            name: format!("Disputes raised{}", self.to_date()),
            values: stages
                .iter()
                .map(|n| get(&f.highest_stage, n) as f64)
                .collect(),
        }];
        if let (Some(b), Some(name)) = (before, self.previous_name()) {
            sets.push(Bars {
                name,
                values: stages.iter().map(|n| get(b, n) as f64).collect(),
            });
        }
        let parts: Vec<String> = stages
            .iter()
            .filter(|n| get(&f.highest_stage, n) > 0)
            .map(|n| {
                format!(
                    "{} went no further than {}",
                    get(&f.highest_stage, n),
                    name(n).to_lowercase()
                )
            })
            .collect();
        let summary = if parts.is_empty() {
            "No dispute was raised in these periods.".to_owned()
        } else {
            format!(
                "Of the {} raised, {}.",
                plural(f.opened, "dispute", "disputes"),
                and_list(&parts)
            )
        };
        Section {
            id: "highest-stage".into(),
            title: "Disputes raised, by the highest stage reached".into(),
            header: self.counted_header("Highest stage reached", "Disputes raised"),
            rows,
            summary,
            chart: Some((stages.iter().map(name).collect(), sets, "disputes raised")),
        }
    }

    /// Stage entries per period, by stage.
    pub(crate) fn by_stage(&self) -> Section {
        let s = self.series;
        let stages: Vec<u32> = s.total.total.entered_stage.keys().copied().collect();
        let labels = &s.total.total.stage_labels;
        let categories: Vec<String> = s.periods.iter().map(label).collect();
        let count = |r: &Report, n: &u32| r.total.entered_stage.get(n).copied().unwrap_or(0);
        let sets = stages
            .iter()
            .map(|n| Bars {
                name: stage_name(labels, *n),
                values: s
                    .periods
                    .iter()
                    .map(|p| count(&p.report, n) as f64)
                    .collect(),
            })
            .collect();
        let mut header = vec!["Period".to_owned()];
        header.extend(
            stages
                .iter()
                .map(|n| format!("Entered {}", stage_name(labels, *n).to_lowercase())),
        );
        header.push("All stage entries".into());
        let mut rows: Vec<Vec<String>> = s
            .periods
            .iter()
            .map(|p| {
                let mut row = vec![label(p)];
                row.extend(stages.iter().map(|n| num(count(&p.report, n))));
                row.push(num(p.report.total.escalations_from_stage_1));
                row
            })
            .collect();
        let mut total = vec!["Total".to_owned()];
        total.extend(stages.iter().map(|n| num(count(&s.total, n))));
        total.push(num(s.total.total.escalations_from_stage_1));
        rows.push(total);
        let busiest = most(
            s.periods
                .iter()
                .map(|p| (p.label.as_str(), p.report.total.escalations_from_stage_1)),
        );
        let summary = match busiest {
            Some((names, n)) => format!(
                "{} over {}; the most in {} ({n}{}).",
                plural(
                    s.total.total.escalations_from_stage_1,
                    "stage entry",
                    "stage entries"
                ),
                plural(s.periods.len() as u64, "period", "periods"),
                and_list(&names),
                if names.len() > 1 { " each" } else { "" }
            ),
            None => "No dispute entered a stage in these periods.".to_owned(),
        };
        Section {
            id: "by-stage".into(),
            title: "Stage entries by period".into(),
            header,
            rows,
            summary,
            chart: Some((categories, sets, "stage entries")),
        }
    }

    /// Disputes raised per value of one breakdown, with the comparison.
    fn breakdown(
        &self,
        (id, title, first): (String, String, &str),
        now: &BTreeMap<String, Figures>,
        before: Option<&BTreeMap<String, Figures>>,
        name: &dyn Fn(&str) -> String,
        (most_words, none_words): (&str, &str),
    ) -> Section {
        let mut keys: Vec<&String> = now.keys().collect();
        if let Some(b) = before {
            keys.extend(b.keys().filter(|k| !now.contains_key(*k)));
        }
        // Sorted by name, with "not given" last.
        keys.sort_by_key(|k| (k.as_str() == escalate_core::domain::report::NO_CATEGORY, *k));
        let get = |m: &BTreeMap<String, Figures>, k: &str| m.get(k).map_or(0, |f| f.opened);
        let mut header = self.counted_header(first, "Disputes raised");
        header.push("Stage entries".into());
        header.push("Resolved".into());
        let rows = keys
            .iter()
            .map(|k| {
                let mut row = self.counted_row(name(k), get(now, k), before.map(|b| get(b, k)));
                let f = now.get(*k).cloned().unwrap_or_default();
                row.push(num(f.escalations_from_stage_1));
                row.push(num(f.resolved));
                row
            })
            .collect();
        let mut sets = vec![Bars {
            name: format!("Disputes raised{}", self.to_date()),
            values: keys.iter().map(|k| get(now, k) as f64).collect(),
        }];
        if let (Some(b), Some(prev)) = (before, self.previous_name()) {
            sets.push(Bars {
                name: prev,
                values: keys.iter().map(|k| get(b, k) as f64).collect(),
            });
        }
        let total = self.total().total.opened;
        let named: Vec<(String, u64)> = keys.iter().map(|k| (name(k), get(now, k))).collect();
        let summary = match most(named.iter().map(|(n, c)| (n.as_str(), *c))) {
            Some((names, n)) => format!(
                "{most_words} {}: {n}{} of the {}.",
                and_list(&names),
                if names.len() > 1 { " each" } else { "" },
                plural(total, "dispute raised", "disputes raised")
            ),
            None => none_words.to_owned(),
        };
        Section {
            id,
            title,
            header,
            rows,
            summary,
            chart: Some((
                keys.iter().map(|k| name(k)).collect(),
                sets,
                "disputes raised",
            )),
        }
    }

    /// The breakdowns a board reads: agency raising, agency challenged, reason,
    /// and each field the policy defines.
    pub(crate) fn breakdowns(&self) -> Vec<Section> {
        let b = &self.total().breakdown;
        let before = self.previous().map(|p| &p.breakdown);
        let same = |k: &str| k.to_owned();
        let mut out = vec![
            self.breakdown(
                (
                    "by-raising".into(),
                    "Disputes raised, by agency raising".into(),
                    "Agency raising",
                ),
                &b.raising_agency,
                before.map(|p| &p.raising_agency),
                &same,
                (
                    "Most were raised by",
                    "No dispute was raised in these periods.",
                ),
            ),
            self.breakdown(
                (
                    "by-agency".into(),
                    "Disputes raised, by agency challenged".into(),
                    "Agency challenged",
                ),
                &b.challenged_agency,
                before.map(|p| &p.challenged_agency),
                &same,
                (
                    "Disagreements were most often with",
                    "No agency was challenged in these periods.",
                ),
            ),
        ];
        let names = &b.category_names;
        let reason = |k: &str| {
            if k == escalate_core::domain::report::NO_CATEGORY {
                "Not given".to_owned()
            } else {
                names.get(k).cloned().unwrap_or_else(|| k.to_owned())
            }
        };
        out.push(self.breakdown(
            (
                "by-reason".into(),
                "Disputes raised, by reason".into(),
                "Reason",
            ),
            &b.category,
            before.map(|p| &p.category),
            &reason,
            (
                "The most common reason was",
                "No dispute was raised in these periods.",
            ),
        ));
        let not_given = |k: &str| {
            if k == escalate_core::domain::report::NO_CATEGORY {
                "Not given".to_owned()
            } else {
                k.to_owned()
            }
        };
        for (id, f) in &b.field {
            let words = format!("The most common {} was", f.label.to_lowercase());
            out.push(self.breakdown(
                (
                    format!("by-field-{id}"),
                    format!("Disputes raised, by {}", f.label.to_lowercase()),
                    &f.label,
                ),
                &f.values,
                before.and_then(|p| p.field.get(id)).map(|p| &p.values),
                &not_given,
                (&words, "No dispute was raised in these periods."),
            ));
        }
        out
    }

    /// Working days spent in each stage left in the range.
    pub(crate) fn time_in_stage(&self) -> Section {
        let t = &self.total().timeliness.by_stage;
        let labels = &self.total().total.stage_labels;
        let categories: Vec<String> = t.keys().map(|n| stage_name(labels, *n)).collect();
        let sets = vec![
            Bars {
                name: "Median".into(),
                values: t
                    .values()
                    .map(|x| x.median_working_days.unwrap_or(0.0))
                    .collect(),
            },
            Bars {
                name: "90th percentile".into(),
                values: t
                    .values()
                    .map(|x| x.p90_working_days.unwrap_or(0.0))
                    .collect(),
            },
        ];
        let rows = t
            .iter()
            .map(|(n, x)| {
                vec![
                    stage_name(labels, *n),
                    num(x.counts.on_time + x.counts.late + x.counts.no_timescale),
                    days(x.median_working_days),
                    days(x.p90_working_days),
                ]
            })
            .collect();
        let medians: Vec<(String, f64)> = t
            .iter()
            .filter_map(|(n, x)| x.median_working_days.map(|m| (stage_name(labels, *n), m)))
            .collect();
        let top = medians
            .iter()
            .map(|(_, m)| *m)
            .fold(f64::NEG_INFINITY, f64::max);
        let longest: Vec<String> = medians
            .iter()
            .filter(|(_, m)| *m == top)
            .map(|(n, _)| n.clone())
            .collect();
        let summary = match longest.as_slice() {
            [] => "No stage was left in these periods.".to_owned(),
            [one] => format!("{one} took longest: a median of {top} working days."),
            many => format!(
                "{} took longest, equally: a median of {top} working days each.",
                and_list(many)
            ),
        };
        Section {
            id: "time-in-stage".into(),
            title: "Time in stage (working days)".into(),
            header: ["Stage", "Stages left", "Median", "90th percentile"]
                .map(String::from)
                .to_vec(),
            rows,
            summary,
            chart: Some((categories, sets, "working days")),
        }
    }

    /// Stages left on time, late, or without a timescale.
    pub(crate) fn timeliness(&self) -> Section {
        let t = &self.total().timeliness;
        let labels = &self.total().total.stage_labels;
        let categories: Vec<String> = t.by_stage.keys().map(|n| stage_name(labels, *n)).collect();
        let set = |name: &str, get: fn(&escalate_core::domain::report::TimelyCounts) -> u64| Bars {
            name: name.into(),
            values: t.by_stage.values().map(|x| get(&x.counts) as f64).collect(),
        };
        let sets = vec![
            set("On time", |c| c.on_time),
            set("Late", |c| c.late),
            set("No timescale", |c| c.no_timescale),
        ];
        let mut rows: Vec<Vec<String>> = t
            .by_stage
            .iter()
            .map(|(n, x)| {
                vec![
                    stage_name(labels, *n),
                    num(x.counts.on_time),
                    num(x.counts.late),
                    num(x.counts.no_timescale),
                ]
            })
            .collect();
        let o = &t.obligations_met;
        rows.push(vec![
            "Duties to tell someone, met".into(),
            num(o.on_time),
            num(o.late),
            num(o.no_timescale),
        ]);
        let timed = t.stages_left.on_time + t.stages_left.late;
        let summary = if timed == 0 {
            "No stage with a timescale was left in these periods.".to_owned()
        } else {
            format!(
                "{} of {} stages left were within the policy's timescale ({}%).",
                t.stages_left.on_time,
                timed,
                (t.stages_left.on_time * 100 + timed / 2) / timed
            )
        };
        Section {
            id: "timeliness".into(),
            title: "Timeliness".into(),
            header: ["Stage left", "On time", "Late", "No timescale"]
                .map(String::from)
                .to_vec(),
            rows,
            summary,
            chart: Some((categories, sets, "stages left")),
        }
    }

    /// Every section, in the order a board paper reads them.
    pub(crate) fn sections(&self) -> Vec<Section> {
        let mut v = vec![self.figures(), self.highest_stage()];
        v.extend(self.breakdowns());
        v.push(self.by_stage());
        v.push(self.time_in_stage());
        v.push(self.timeliness());
        v
    }

    /// Notes under the title: what "to date" means, the comparison, and a
    /// reproduced figure's cut-off.
    pub(crate) fn notes(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.total().in_progress {
            out.push("The period has not ended: figures are to date, and \"at the end\" means as things stood when this was made.".to_owned());
        }
        if let (Some(p), Some(name)) = (self.previous(), self.previous_name()) {
            out.push(format!(
                "Compared with {name} ({} to {}).",
                escalate_core::domain::clock::human_date(p.from),
                escalate_core::domain::clock::human_date(p.to)
            ));
        }
        if let Some(t) = &self.total().as_recorded_at {
            out.push(format!(
                "Counted as recorded by {}: lines recorded later are left out.",
                escalate_core::domain::clock::human_instant(t)
            ));
        }
        out
    }
}

/// "Stage 2", or with the policy's own name for it, "Stage 4 (4-mediation)".
fn stage_name(labels: &ByStage<String>, n: u32) -> String {
    match labels.get(&n) {
        Some(l) => format!("Stage {n} ({l})"),
        None => format!("Stage {n}"),
    }
}

fn label(p: &escalate_core::domain::report::SeriesRow) -> String {
    if p.report.in_progress {
        format!("{} (to date)", p.label)
    } else if p.partial {
        format!("{} (part)", p.label)
    } else {
        p.label.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_names_every_tie() {
        assert_eq!(
            most([("CSC", 5), ("Children's Social Care", 5), ("Police", 1)]),
            Some((
                vec!["CSC".to_owned(), "Children's Social Care".to_owned()],
                5
            ))
        );
        assert_eq!(most([("A", 0)]), None);
        assert_eq!(
            and_list(&["A".into(), "B".into(), "C".into()]),
            "A, B and C"
        );
    }
}
