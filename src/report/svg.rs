//! Trend charts as inline SVG, for the HTML report and the dashboard: a metric's stored runs, the
//! noise band the model judged against, the limit, change points, and this run's value.
//!
//! Plain SVG elements styled by class (the page's CSS gives the colours, so light and dark
//! both work), every mark also labelled in words or by shape, so colour is never the only
//! signal. Compact on purpose, so a report of 1,000 charts of 50 runs stays under 2 MB: whole
//! coordinates, and the runs are one polyline whose dots are the page's one marker ([`DEFS`]).

/// What every page with charts holds once, before them: the dot drawn at each stored run.
pub const DEFS: &str = r#"<svg class="defs" width="0" height="0" aria-hidden="true"><defs><marker id="bg-dot" viewBox="0 0 4 4" refX="2" refY="2" markerWidth="4" markerHeight="4" markerUnits="userSpaceOnUse"><circle cx="2" cy="2" r="1.7"/></marker></defs></svg>"#;

use std::fmt::Write;

use crate::escape;
use crate::units::human;

/// What one chart shows.
pub struct Series<'a> {
    /// The judged stat in the stored runs, oldest first.
    pub values: &'a [f64],
    /// This run's value, drawn last as a diamond labelled "PR" (or "this run").
    pub current: Option<f64>,
    pub current_label: &'a str,
    /// The band of values the noise model called noise, as absolute values.
    pub band: Option<(f64, f64)>,
    /// The value beyond which the budget breaks.
    pub limit: Option<f64>,
    /// Indices into `values` where a new segment starts (change points).
    pub change_points: &'a [usize],
    pub unit: &'a str,
    /// The chart's accessible name (untrusted: escaped here).
    pub title: &'a str,
}

const WIDTH: f64 = 320.0;
const HEIGHT: f64 = 112.0;
const LEFT: f64 = 58.0;
const RIGHT: f64 = 306.0;
const TOP: f64 = 8.0;
const BOTTOM: f64 = 92.0;

/// The chart as one `<svg>` element; empty when there is nothing to draw.
pub fn chart(s: &Series) -> String {
    let points = s.values.len() + usize::from(s.current.is_some());
    if !s.values.iter().chain(s.current.iter()).any(|v| v.is_finite()) {
        return String::new();
    }
    let finite = |v: &f64| v.is_finite();
    let (mut lo, mut hi) = s
        .values
        .iter()
        .chain(s.current.iter())
        .chain(s.limit.iter())
        .chain(s.band.iter().flat_map(|(a, b)| [a, b]))
        .filter(|v| finite(v))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    if !lo.is_finite() {
        return String::new();
    }
    let pad = ((hi - lo) * 0.08).max(hi.abs().max(lo.abs()) * 0.01).max(1e-12);
    lo -= pad;
    hi += pad;
    let step = if points > 1 { (RIGHT - LEFT) / (points - 1) as f64 } else { 0.0 };
    let x = |i: usize| if points > 1 { LEFT + step * i as f64 } else { (LEFT + RIGHT) / 2.0 };
    let y = |v: f64| BOTTOM - (v.clamp(lo, hi) - lo) / (hi - lo) * (BOTTOM - TOP);

    let mut out = String::with_capacity(400 + s.values.len() * 24);
    let _ = write!(
        out,
        r#"<svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{}"><title>{}</title>"#,
        escape::html(s.title),
        escape::html(s.title)
    );
    let _ =
        write!(out, r#"<rect class="plot" x="{LEFT}" y="{TOP}" width="{}" height="{}"/>"#, RIGHT - LEFT, BOTTOM - TOP);
    if let Some((a, b)) = s.band.filter(|(a, b)| a.is_finite() && b.is_finite()) {
        let (top, bottom) = (y(a.max(b)), y(a.min(b)));
        let _ = write!(
            out,
            r#"<rect class="band" x="{LEFT}" y="{}" width="{}" height="{}"><title>noise band</title></rect>"#,
            c(top),
            RIGHT - LEFT,
            c((bottom - top).max(1.0))
        );
    }
    if let Some(limit) = s.limit.filter(|v| v.is_finite()) {
        let ly = c(y(limit));
        let _ = write!(
            out,
            r#"<line class="limit" x1="{LEFT}" x2="{RIGHT}" y1="{ly}" y2="{ly}"/><text class="limit-label" x="{}" y="{}">limit {}</text>"#,
            LEFT + 3.0,
            c(y(limit) - 2.0),
            escape::html(&human(limit, s.unit))
        );
    }
    for &i in s.change_points.iter().filter(|&&i| i > 0 && i < s.values.len()) {
        let cx = c((x(i - 1) + x(i)) / 2.0);
        let _ = write!(
            out,
            r#"<line class="change-point" x1="{cx}" x2="{cx}" y1="{TOP}" y2="{BOTTOM}"><title>change point</title></line><text class="cp-label" x="{cx}" y="{}">▲</text>"#,
            c(BOTTOM + 9.0)
        );
    }
    let mut line = String::with_capacity(s.values.len() * 8);
    for (i, v) in s.values.iter().enumerate().filter(|(_, v)| v.is_finite()) {
        let _ = write!(line, "{}{},{}", if line.is_empty() { "" } else { " " }, c(x(i)), c(y(*v)));
    }
    if !line.is_empty() {
        let _ = write!(out, r#"<polyline class="runs" points="{line}"/>"#);
    }
    if let Some(current) = s.current.filter(|v| v.is_finite()) {
        let (px, py) = (x(points - 1), y(current));
        if let Some(last) = s.values.iter().rev().find(|v| v.is_finite()) {
            let _ = write!(
                out,
                r#"<line class="to-current" x1="{}" y1="{}" x2="{}" y2="{}"/>"#,
                c(x(s.values.len() - 1)),
                c(y(*last)),
                c(px),
                c(py)
            );
        }
        let _ = write!(
            out,
            r#"<path class="current" d="M{} {}l5 5-5 5-5-5z"><title>{}: {}</title></path><text class="current-label" x="{}" y="{}">{}</text>"#,
            c(px),
            c(py - 5.0),
            escape::html(s.current_label),
            escape::html(&human(current, s.unit)),
            c(px - 7.0),
            c((py - 7.0).max(TOP + 8.0)),
            escape::html(s.current_label)
        );
    }
    let _ = write!(
        out,
        r#"<text class="axis" x="{}" y="{}">{}</text><text class="axis" x="{}" y="{}">{}</text>"#,
        LEFT - 4.0,
        TOP + 8.0,
        escape::html(&human(hi, s.unit)),
        LEFT - 4.0,
        BOTTOM,
        escape::html(&human(lo, s.unit))
    );
    let runs = s.values.len();
    let _ = write!(
        out,
        r#"<text class="runs-label" x="{LEFT}" y="{}">{}</text></svg>"#,
        HEIGHT - 2.0,
        match runs {
            0 => String::new(),
            1 => "1 stored run".to_string(),
            n => format!("{n} stored runs, oldest first"),
        }
    );
    out
}

/// A whole coordinate: a 320-unit-wide chart drawn a few hundred pixels wide needs no more,
/// and it keeps 1,000 charts small.
fn c(v: f64) -> i64 {
    v.round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series<'a>(values: &'a [f64], current: Option<f64>, title: &'a str) -> Series<'a> {
        Series {
            values,
            current,
            current_label: "PR",
            band: Some((95.0, 105.0)),
            limit: Some(110.0),
            change_points: &[],
            unit: "ns",
            title,
        }
    }

    #[test]
    fn draws_every_run_the_band_the_limit_and_the_current_value() {
        let svg = chart(&series(&[100.0, 101.0, 99.0, 100.5], Some(130.0), "bench"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        let points = svg.split("points=\"").nth(1).unwrap().split('"').next().unwrap();
        assert_eq!(points.split(' ').count(), 4, "{svg}");
        for class in ["band", "limit", "current", "runs"] {
            assert!(svg.contains(&format!("class=\"{class}\"")), "{class}: {svg}");
        }
        assert!(svg.contains("limit 110 ns") && svg.contains(">PR</text>"), "{svg}");
    }

    /// The number after `attr="` in the first element of `class`.
    fn attr(svg: &str, class: &str, attr: &str) -> f64 {
        let element = svg.split(&format!("class=\"{class}\"")).nth(1).unwrap();
        element.split(&format!("{attr}=\"")).nth(1).unwrap().split('"').next().unwrap().parse().unwrap()
    }

    #[test]
    fn the_current_value_sits_above_a_higher_limit_line() {
        let svg = chart(&series(&[100.0, 100.0], Some(130.0), "x"));
        // SVG y grows downwards: a larger value is drawn higher up (the diamond's tip is 5 above).
        let limit_y = attr(&svg, "limit", "y1");
        let path = svg.split("class=\"current\" d=\"M").nth(1).unwrap();
        let current_tip: f64 = path.split(' ').nth(1).unwrap().split('l').next().unwrap().parse().unwrap();
        assert!(current_tip + 5.0 < limit_y, "{svg}");
    }

    #[test]
    fn change_points_are_marked_between_runs() {
        let mut s = series(&[1.0, 1.0, 1.0, 2.0, 2.0, 2.0], None, "x");
        s.change_points = &[3];
        let svg = chart(&s);
        assert_eq!(svg.matches("class=\"change-point\"").count(), 1, "{svg}");
    }

    #[test]
    fn hostile_names_stay_text() {
        for name in crate::escape::HOSTILE_NAMES {
            let svg = chart(&series(&[1.0, 2.0], Some(3.0), name));
            assert!(!svg.contains("<script") && !svg.contains("<img"), "{name:?}: {svg}");
            assert_eq!(svg.matches("<title>").count(), 3, "{name:?}");
        }
    }

    #[test]
    fn nothing_to_draw_is_nothing() {
        assert_eq!(chart(&series(&[], None, "x")), "");
        assert_eq!(chart(&series(&[f64::NAN], None, "x")), "");
    }
}
