//! A hand-written SVG bar chart of execution-time ratios to wasmi: one group of bars
//! per workload (plus the geometric mean), one bar per runtime, and a line at 1.0
//! where a runtime matches wasmi.

use std::fmt::Write as _;

use crate::report::{REFERENCE, RatioColumn, Suite};

const COLORS: &[&str] = &["#3b6fb6", "#e07b2a", "#4b9e54", "#a04fb0", "#c4423b"];
const BAR: f64 = 20.0;
const GROUP_GAP: f64 = 22.0;
const PLOT_HEIGHT: f64 = 300.0;
const LEFT: f64 = 60.0;
const TOP: f64 = 50.0;
const BOTTOM: f64 = 70.0;
/// Room right of the plot for the reference line's label.
const RIGHT: f64 = 70.0;

pub fn chart(suite: &Suite) -> String {
    let series: Vec<RatioColumn> = suite
        .ratio_columns()
        .into_iter()
        .filter(|c| c.base == REFERENCE)
        .collect();
    // Each group: a label and one optional ratio per series.
    let mut groups: Vec<(String, Vec<Option<f64>>)> = suite
        .workloads
        .iter()
        .map(|w| {
            (
                w.name.to_string(),
                series.iter().map(|c| w.ratio(c.runtime, c.base)).collect(),
            )
        })
        .collect();
    groups.push((
        "geomean".to_string(),
        series.iter().map(|c| suite.geomean(c)).collect(),
    ));

    let max = groups
        .iter()
        .flat_map(|(_, r)| r.iter().flatten())
        .fold(1.0f64, |m, &r| m.max(r));
    // Gridlines every 0.5 up to 4x, then every whole step, so there are never too many.
    let step = if max <= 4.0 { 0.5 } else { (max / 8.0).ceil() };
    let top_value = (max / step).ceil() * step;
    let y = |v: f64| TOP + PLOT_HEIGHT * (1.0 - v / top_value);

    let group_width = BAR * series.len().max(1) as f64 + GROUP_GAP;
    let plot_right = LEFT + group_width * groups.len() as f64;
    let width = plot_right + RIGHT;
    let height = TOP + PLOT_HEIGHT + BOTTOM;

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        svg,
        r#"<text x="{LEFT}" y="18" font-size="14" font-weight="bold">Execution time relative to wasmi (lower is faster)</text>"#
    );

    // Legend.
    let mut x = LEFT;
    for (i, column) in series.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let _ = writeln!(
            svg,
            r#"<rect x="{x}" y="28" width="12" height="12" fill="{color}"/>"#
        );
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="38">{}</text>"#,
            x + 16.0,
            column.runtime
        );
        x += 30.0 + 7.0 * column.runtime.len() as f64;
    }

    // Gridlines and the y axis labels.
    let mut v = 0.0;
    while v <= top_value + 1e-9 {
        let yy = y(v);
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#ddd"/>"##,
            plot_right
        );
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{:.1}" text-anchor="end">{v:.1}×</text>"#,
            LEFT - 6.0,
            yy + 4.0
        );
        v += step;
    }

    // Bars, with their values above them.
    for (g, (label, ratios)) in groups.iter().enumerate() {
        let gx = LEFT + GROUP_GAP / 2.0 + g as f64 * group_width;
        for (i, r) in ratios.iter().enumerate() {
            let Some(r) = *r else { continue };
            let bx = gx + i as f64 * BAR;
            let by = y(r);
            let color = COLORS[i % COLORS.len()];
            let _ = writeln!(
                svg,
                r#"<rect x="{bx:.1}" y="{by:.1}" width="{:.1}" height="{:.1}" fill="{color}"><title>{label} {}: {r:.2}× wasmi</title></rect>"#,
                BAR - 2.0,
                y(0.0) - by,
                series[i].runtime
            );
            let _ = writeln!(
                svg,
                r#"<text x="{:.1}" y="{:.1}" font-size="8" text-anchor="middle">{r:.2}</text>"#,
                bx + (BAR - 2.0) / 2.0,
                by - 3.0
            );
        }
        let lx = gx + BAR * series.len() as f64 / 2.0;
        let ly = y(0.0) + 14.0;
        let weight = if label == "geomean" {
            r#" font-weight="bold""#
        } else {
            ""
        };
        let _ = writeln!(
            svg,
            r#"<text x="{lx:.1}" y="{ly:.1}" text-anchor="end" transform="rotate(-35 {lx:.1} {ly:.1})"{weight}>{label}</text>"#
        );
    }

    // The axis and the wasmi = 1 reference line, drawn last so bars do not hide them.
    let _ = writeln!(
        svg,
        r##"<line x1="{LEFT}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#333"/>"##,
        y(0.0),
        plot_right,
        y(0.0)
    );
    let _ = writeln!(
        svg,
        r##"<line x1="{LEFT}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#c00" stroke-dasharray="6 4"/>"##,
        y(1.0),
        plot_right,
        y(1.0)
    );
    let _ = writeln!(
        svg,
        r##"<text x="{:.1}" y="{:.1}" fill="#c00">wasmi = 1</text>"##,
        plot_right + 4.0,
        y(1.0) + 4.0
    );
    svg.push_str("</svg>\n");
    svg
}
