//! The board pack's content, shared by its HTML and Markdown renderings: each
//! section is a chart's data, the table that carries its numbers and one sentence
//! saying what it shows. Only presents what `report` computed.

use crate::domain::report::{Report, Series};
use crate::render::chart::Bars;

/// One section: a table, the sentence that sums it up, and the bars to draw.
pub struct Section {
    pub id: &'static str,
    pub title: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub summary: String,
    /// Categories (x axis), the sets of bars and the y axis's label.
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

/// The headline figures for the whole range.
pub fn figures(r: &Report) -> Section {
    let f = &r.total;
    let rows = vec![
        vec!["Disputes opened".into(), num(f.opened)],
        vec!["Escalations (stage moves)".into(), num(f.escalations)],
        vec![
            "Escalations from stage 1 onwards (escalations_from_stage_1)".into(),
            num(f.escalations_from_stage_1),
        ],
        vec!["Resolved".into(), num(f.resolved)],
        vec!["Reopened".into(), num(f.reopened)],
        vec!["Open at the end".into(), num(f.open_at_end)],
        vec!["Overdue at the end".into(), num(f.overdue_at_end)],
        vec![
            "Median working days to resolve".into(),
            days(f.median_working_days_to_resolve),
        ],
    ];
    Section {
        id: "figures",
        title: "The figures".into(),
        header: vec!["Figure".into(), "Count".into()],
        rows,
        summary: format!(
            "{} opened, {} from stage 1 onwards and {} resolved; {} open at the end, {} of them overdue.",
            plural(f.opened, "dispute was", "disputes were"),
            plural(f.escalations_from_stage_1, "escalation took place", "escalations took place"),
            f.resolved,
            f.open_at_end,
            f.overdue_at_end
        ),
        chart: None,
    }
}

/// Every stage any period counted, in order.
fn stages(s: &Series) -> Vec<u32> {
    s.total.total.entered_stage.keys().copied().collect()
}

fn label(p: &crate::domain::report::SeriesRow) -> String {
    if p.partial {
        format!("{} (part)", p.label)
    } else {
        p.label.clone()
    }
}

/// Escalations (stage entries) per period, by stage.
pub fn by_stage(s: &Series) -> Section {
    let stages = stages(s);
    let categories: Vec<String> = s.periods.iter().map(label).collect();
    let count = |r: &Report, n: &u32| r.total.entered_stage.get(n).copied().unwrap_or(0);
    let sets = stages
        .iter()
        .map(|n| Bars {
            name: format!("Stage {n}"),
            values: s
                .periods
                .iter()
                .map(|p| count(&p.report, n) as f64)
                .collect(),
        })
        .collect();
    let mut header = vec!["Period".to_owned()];
    header.extend(stages.iter().map(|n| format!("Entered stage {n}")));
    header.push("From stage 1 onwards".into());
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
    // The first of equal periods: `max_by_key` keeps the last, so look backwards.
    let busiest = s
        .periods
        .iter()
        .rev()
        .max_by_key(|p| p.report.total.escalations_from_stage_1)
        .filter(|p| p.report.total.escalations_from_stage_1 > 0);
    let summary = match busiest {
        Some(p) => format!(
            "{} over {}; the most in {} ({}).",
            plural(
                s.total.total.escalations_from_stage_1,
                "stage was entered",
                "stages were entered"
            ),
            plural(s.periods.len() as u64, "period", "periods"),
            p.label,
            p.report.total.escalations_from_stage_1
        ),
        None => "No dispute entered a stage in these periods.".to_owned(),
    };
    Section {
        id: "by-stage",
        title: "Escalations by stage".into(),
        header,
        rows,
        summary,
        chart: Some((categories, sets, "stages entered")),
    }
}

/// Escalations and disputes opened per agency challenged.
pub fn by_agency(s: &Series) -> Section {
    let map = &s.total.breakdown.challenged_agency;
    let categories: Vec<String> = map.keys().cloned().collect();
    let sets = vec![
        Bars {
            name: "Opened".into(),
            values: map.values().map(|f| f.opened as f64).collect(),
        },
        Bars {
            name: "From stage 1 onwards".into(),
            values: map
                .values()
                .map(|f| f.escalations_from_stage_1 as f64)
                .collect(),
        },
    ];
    let rows = map
        .iter()
        .map(|(a, f)| {
            vec![
                a.clone(),
                num(f.opened),
                num(f.escalations_from_stage_1),
                num(f.resolved),
                num(f.overdue_at_end),
            ]
        })
        .collect();
    let most = map
        .iter()
        .rev()
        .max_by_key(|(_, f)| f.escalations_from_stage_1);
    let summary = match most {
        Some((a, f)) if f.escalations_from_stage_1 > 0 => format!(
            "Disagreements were most often with {a}: {} of the {} stage entries.",
            f.escalations_from_stage_1, s.total.total.escalations_from_stage_1
        ),
        _ => "No agency was challenged in these periods.".to_owned(),
    };
    Section {
        id: "by-agency",
        title: "By agency challenged".into(),
        header: [
            "Agency challenged",
            "Opened",
            "From stage 1 onwards",
            "Resolved",
            "Overdue at end",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        summary,
        chart: Some((categories, sets, "disputes")),
    }
}

/// Working days spent in each stage left in the range.
pub fn time_in_stage(s: &Series) -> Section {
    let t = &s.total.timeliness.by_stage;
    let categories: Vec<String> = t.keys().map(|n| format!("Stage {n}")).collect();
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
                n.to_string(),
                num(x.counts.on_time + x.counts.late + x.counts.no_timescale),
                days(x.median_working_days),
                days(x.p90_working_days),
            ]
        })
        .collect();
    // The first of equal stages: `max_by` keeps the last, so look backwards.
    let longest = t
        .iter()
        .rev()
        .filter_map(|(n, x)| x.median_working_days.map(|m| (n, m)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let summary = match longest {
        Some((n, m)) => format!("Stage {n} took longest: a median of {m} working days."),
        None => "No stage was left in these periods.".to_owned(),
    };
    Section {
        id: "time-in-stage",
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
pub fn timeliness(s: &Series) -> Section {
    let t = &s.total.timeliness;
    let categories: Vec<String> = t.by_stage.keys().map(|n| format!("Stage {n}")).collect();
    let set = |name: &str, get: fn(&crate::domain::report::TimelyCounts) -> u64| Bars {
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
                n.to_string(),
                num(x.counts.on_time),
                num(x.counts.late),
                num(x.counts.no_timescale),
            ]
        })
        .collect();
    let o = &t.obligations_met;
    rows.push(vec![
        "Obligations met".into(),
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
        id: "timeliness",
        title: "Timeliness".into(),
        header: ["Stage", "On time", "Late", "No timescale"]
            .map(String::from)
            .to_vec(),
        rows,
        summary,
        chart: Some((categories, sets, "stages left")),
    }
}

/// Every section, in the order a board paper reads them.
pub fn sections(s: &Series) -> Vec<Section> {
    vec![
        figures(&s.total),
        by_stage(s),
        by_agency(s),
        time_in_stage(s),
        timeliness(s),
    ]
}

/// The pack's title.
pub fn title(s: &Series) -> String {
    format!(
        "Professional disagreements: {} to {}",
        crate::domain::clock::human_date(s.from),
        crate::domain::clock::human_date(s.to)
    )
}
