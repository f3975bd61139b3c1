//! Bar charts for the board pack, drawn as SVG by plotters (its SVG backend only:
//! no fonts, bitmaps or system libraries to install, and the output is text that
//! an HTML page can carry inline). Charts only present figures `report` computed.

use plotters::prelude::*;

/// One set of bars: its name (the legend) and a value per category.
pub(crate) struct Bars {
    pub name: String,
    pub values: Vec<f64>,
}

/// Colours that stay apart in print and for the common colour-vision deficiencies
/// (Okabe and Ito's palette).
const PALETTE: [RGBColor; 6] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
];

/// The chart's width in SVG pixels: the pack shows it 170 mm wide (about 640
/// CSS pixels), so text is printed at about the size it is drawn.
pub(crate) const WIDTH: u32 = 640;
/// The size of every piece of text in a chart, in SVG pixels: 15 px drawn 640
/// wide and shown 170 mm wide prints at about 11 pt (never under 10).
pub(crate) const FONT_PX: u32 = 15;

/// Charts with more categories than this are of periods: their labels are
/// thinned. Fewer are names (agencies, reasons): each keeps a label, shortened.
const NAMED: usize = 12;

/// A label cut to `max` columns (a CJK character or an emoji takes two, as it
/// takes about twice a letter's room in the SVG's font), ending in an ellipsis
/// when it was longer (the table under the chart has it whole).
fn shorten(label: &str, max: usize) -> String {
    if super::wrap::columns(label) <= max {
        return label.to_owned();
    }
    let room = max.saturating_sub(1).max(1);
    let mut kept = String::new();
    let mut used = 0;
    for c in label.chars() {
        let width = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if !kept.is_empty() && used + width > room {
            break;
        }
        used += width;
        kept.push(c);
    }
    format!("{}…", kept.trim_end())
}

/// The x axis's labels: every category named, shortened to fit its slot, when
/// there are few; when there are many (periods), every k-th from the first.
pub(crate) fn axis_labels(categories: &[String], plot_px: u32) -> Vec<String> {
    let n = categories.len().max(1);
    if n <= NAMED {
        // A character takes a little over half the font's height; keep a gap.
        let max =
            (plot_px as usize / n).saturating_sub(FONT_PX as usize) * 10 / (FONT_PX as usize * 6);
        return categories.iter().map(|c| shorten(c, max.max(4))).collect();
    }
    let every = label_every(categories, plot_px);
    categories
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i.is_multiple_of(every) {
                c.clone()
            } else {
                String::new()
            }
        })
        .collect()
}

/// Which categories are labelled on the x axis: every one when they fit side by
/// side, else every k-th (from the first) so labels never run into each other.
pub(crate) fn label_every(categories: &[String], plot_px: u32) -> usize {
    let n = categories.len().max(1);
    // A character of the axis font takes a little over half its height.
    let widest = categories
        .iter()
        .map(|c| super::wrap::columns(c))
        .max()
        .unwrap_or(1) as u32;
    let label_px = (widest * FONT_PX * 6 / 10 + FONT_PX).max(1);
    let fit = (plot_px / label_px).max(1) as usize;
    n.div_ceil(fit)
}

/// A grouped bar chart: for each category, one bar per set, side by side, each
/// bar an SVG `rect` filled with its set's colour (a zero draws none). The table
/// after the chart carries the exact numbers. One unit only: `y_label` says
/// what every bar counts.
pub(crate) fn grouped_bars(categories: &[String], sets: &[Bars], y_label: &str) -> String {
    let mut svg = String::new();
    let max = sets
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let n = categories.len().max(1);
    // Room above the tallest bar for the legend, so it never hides a bar.
    let headroom = if sets.len() > 1 {
        1.1 + 0.12 * sets.len() as f64
    } else {
        1.1
    };
    let width = WIDTH;
    // Shown as every output shows text (`text::visible`); plotters escapes what
    // XML needs.
    let shown: Vec<String> = categories
        .iter()
        .map(|c| escalate_core::domain::text::one_line(c).into_owned())
        .collect();
    let labels = axis_labels(&shown, width - 80);
    // plotters' SVG writes a font's size divided by 1.24.
    let font = || ("sans-serif", f64::from(FONT_PX) * 1.24).into_font();
    {
        let root = SVGBackend::with_string(&mut svg, (width, 320)).into_drawing_area();
        if root.fill(&WHITE).is_err() {
            return String::new();
        }
        let chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..n as f64, 0.0..max * headroom);
        let Ok(mut chart) = chart else {
            return String::new();
        };
        // Counts are whole: a tick at 0.5 of a dispute would mislead, so only
        // whole-number ticks are labelled when every value is whole.
        let whole = sets
            .iter()
            .flat_map(|s| &s.values)
            .all(|v| v.fract() == 0.0);
        let y_tick = |y: &f64| {
            if !whole {
                // At most two decimals: 0.6, not 0.6000000000000001.
                let t = format!("{y:.2}");
                t.trim_end_matches('0').trim_end_matches('.').to_owned()
            } else if (y - y.round()).abs() < 1e-9 {
                format!("{y:.0}")
            } else {
                String::new()
            }
        };
        let _ = chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .x_labels(n * 2 + 1)
            .x_label_formatter(&|x| {
                let i = x.floor();
                if (x - i - 0.5).abs() < 1e-6 {
                    labels.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&y_tick)
            .label_style(font())
            .axis_desc_style(font())
            .y_desc(y_label)
            .draw();
        let k = sets.len().max(1) as f64;
        let bar = 0.8 / k;
        for (j, set) in sets.iter().enumerate() {
            let colour = PALETTE[j % PALETTE.len()];
            let rects = set
                .values
                .iter()
                .enumerate()
                .filter(|(_, v)| **v > 0.0)
                .map(|(i, v)| {
                    let x0 = i as f64 + 0.1 + bar * j as f64;
                    Rectangle::new([(x0, 0.0), (x0 + bar, *v)], colour.filled())
                });
            if let Ok(series) = chart.draw_series(rects) {
                series
                    .label(escalate_core::domain::text::one_line(&set.name))
                    .legend(move |(x, y)| {
                        Rectangle::new([(x, y - 5), (x + 10, y + 5)], colour.filled())
                    });
            }
        }
        if sets.len() > 1 {
            let _ = chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .label_font(font())
                .draw();
        }
        let _ = root.present();
    }
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_rect_per_bar_that_has_a_value() {
        let svg = grouped_bars(
            &["2026-10".into(), "2026-11".into()],
            &[
                Bars {
                    name: "Stage 1".into(),
                    values: vec![1.0, 0.0],
                },
                Bars {
                    name: "Stage 2".into(),
                    values: vec![2.0, 1.0],
                },
            ],
            "disputes",
        );
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("2026-11"), "{svg}");
        // The background, three bars, two legend keys and the legend's box.
        assert!(svg.matches("<rect").count() >= 6, "{svg}");
    }

    /// Text prints at 10 pt or more, and many periods thin their labels.
    #[test]
    fn text_is_large_and_many_labels_are_thinned() {
        let months: Vec<String> = (1..=36).map(|m| format!("2026-{m:02}")).collect();
        let svg = grouped_bars(
            &months,
            &[Bars {
                name: "Stage 1".into(),
                values: vec![1.0; 36],
            }],
            "stage entries",
        );
        let sizes: Vec<u32> = svg
            .split("font-size=\"")
            .skip(1)
            .filter_map(|s| {
                s.split('"')
                    .next()?
                    .trim_end_matches("px")
                    .parse::<f64>()
                    .ok()
            })
            .map(|f| f as u32)
            .collect();
        assert!(
            !sizes.is_empty() && sizes.iter().all(|s| *s >= FONT_PX),
            "{sizes:?}"
        );
        // 640 pixels shown 170 mm wide: a pixel prints at 170/640 mm; 10 pt is 3.53 mm.
        assert!(f64::from(FONT_PX) * 170.0 / f64::from(WIDTH) >= 3.53);
        let shown = months
            .iter()
            .filter(|m| svg.contains(&format!(">\n{m}\n</text>")))
            .count();
        assert!(shown > 3 && shown < 36, "{shown} of 36 labels shown");
        assert!(svg.contains(">\n2026-01\n</text>"), "the first is labelled");
        assert_eq!(label_every(&months[..4], 560), 1);
        // A few long names each keep a label, shortened to fit.
        let names: Vec<String> = [
            "Children's Social Care",
            "GP practice",
            "Hollyfield Primary",
            "Police",
        ]
        .map(String::from)
        .to_vec();
        let labels = axis_labels(&names, 560);
        assert_eq!(labels[1], "GP practice");
        assert_eq!(labels[3], "Police");
        assert!(
            labels[0].starts_with("Children") && labels[0].ends_with('…'),
            "{labels:?}"
        );
    }

    /// Counts are labelled in whole numbers only: no "0.5" of a dispute.
    #[test]
    fn counts_have_whole_ticks() {
        let bars = |values: Vec<f64>| Bars {
            name: "Opened".into(),
            values,
        };
        let svg = grouped_bars(&["2026-11".into()], &[bars(vec![2.0])], "disputes");
        let label = |t: &str| format!(">\n{t}\n</text>");
        assert!(
            svg.contains(&label("1")) && svg.contains(&label("2")),
            "{svg}"
        );
        assert!(
            !svg.contains(&label("0.5")) && !svg.contains(&label("1.5")),
            "{svg}"
        );
        // Values that are not whole (a median of days) keep every tick.
        let svg = grouped_bars(&["2026-11".into()], &[bars(vec![1.5])], "days");
        assert!(svg.contains(&label("0.6")), "{svg}");
        // (Text, not the attributes: a font size may be 15.000000000000002.)
        assert!(
            !svg.lines()
                .any(|l| !l.starts_with('<') && l.contains("0000000")),
            "{svg}"
        );
    }

    /// A wide character takes two columns of a label's room, not one.
    #[test]
    fn wide_labels_are_shortened_by_their_columns() {
        assert_eq!(shorten("児童相談所の意見", 8), "児童相…");
        assert_eq!(shorten("Police", 8), "Police");
        assert_eq!(shorten("Children's Social Care", 8), "Childre…");
    }
}
