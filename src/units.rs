//! Units: converting what tools write into canonical units, parsing the quantities users write
//! in budgets ("1.5 ms", "50 kB", "10%"), and formatting numbers back for humans.
//!
//! Canonical units are nanoseconds (`ns`), bytes (`B`) and rates per second (`<thing>/s`);
//! anything else keeps the tool's own unit string.

use std::fmt;

/// Canonical unit of every duration.
pub const NS: &str = "ns";
/// Canonical unit of every size.
pub const BYTES: &str = "B";

/// What kind of quantity a canonical unit measures; decides which budget quantities fit it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Duration,
    Size,
    Rate,
    Other,
}

pub fn dimension(canonical_unit: &str) -> Dimension {
    match canonical_unit {
        NS => Dimension::Duration,
        BYTES => Dimension::Size,
        u if u.ends_with("/s") => Dimension::Rate,
        _ => Dimension::Other,
    }
}

/// Nanoseconds in one of the duration units tools write, or `None` if it is not a duration.
pub fn duration_factor(unit: &str) -> Option<f64> {
    Some(match unit.trim() {
        "ps" => 1e-3,
        "ns" => 1.0,
        "us" | "µs" | "μs" => 1e3,
        "ms" => 1e6,
        "s" | "sec" | "secs" | "second" | "seconds" => 1e9,
        "min" | "m" => 60e9,
        "h" => 3600e9,
        _ => return None,
    })
}

/// Bytes in one of the size units, or `None` if it is not a size.
/// `kB`/`KB`/`MB` are decimal (1000) as size-limit and browsers' devtools show them;
/// `KiB`/`MiB` are binary.
pub fn size_factor(unit: &str) -> Option<f64> {
    Some(match unit.trim() {
        "B" | "b" | "byte" | "bytes" => 1.0,
        "kB" | "KB" | "kb" => 1e3,
        "MB" | "mb" => 1e6,
        "GB" | "gb" => 1e9,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    })
}

/// Converts a tool's `value unit` into canonical units:
/// - durations (`ms`, `μs`, …) and durations per operation (`ns/op`, `ns/iter`, `us/call`) → `ns`;
/// - sizes (`kB`, `MiB`, …) and sizes per operation (`B/op`) → `B`;
/// - anything per unit of time (`ops/ms`, `iter/sec`, `MB/s`) → per second, sizes in bytes
///   (`MB/s` → `B/s`);
/// - everything else (`allocs/op`, `cycles/iter`, `Percent`) is kept as written.
pub fn canonicalize(value: f64, unit: &str) -> (f64, String) {
    let unit = unit.trim();
    if let Some(f) = duration_factor(unit) {
        return (value * f, NS.to_string());
    }
    if let Some(f) = size_factor(unit) {
        return (value * f, BYTES.to_string());
    }
    if let Some((thing, per)) = unit.split_once('/') {
        let (thing, per) = (thing.trim(), per.trim());
        if is_per_operation(per) {
            if let Some(f) = duration_factor(thing) {
                return (value * f, NS.to_string());
            }
            if let Some(f) = size_factor(thing) {
                return (value * f, BYTES.to_string());
            }
        }
        // "ops/sec", "iter/s", "req/ms", "MB/s": a count per duration is a rate per second.
        if let Some(f) = duration_factor(per) {
            let per_second = 1e9 / f;
            if let Some(size) = size_factor(thing) {
                return (value * size * per_second, format!("{BYTES}/s"));
            }
            return (value * per_second, format!("{thing}/s"));
        }
    }
    (value, unit.to_string())
}

/// The "per one run of the benchmarked code" denominators tools write.
fn is_per_operation(per: &str) -> bool {
    matches!(per, "op" | "ops" | "iter" | "iteration" | "call" | "run")
}

/// A number with the unit a user wrote in the budgets file, already canonical.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantity {
    pub value: f64,
    pub kind: QuantityKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantityKind {
    /// Nanoseconds.
    Duration,
    /// Bytes.
    Size,
    /// A plain number: scores, counts, or a metric's own unit.
    Plain,
}

impl Quantity {
    /// Parses `850us`, `1.5 ms`, `2s`, `500 B`, `50 kB`, `50 KiB`, `1.2 MB` or a plain number.
    pub fn parse(text: &str) -> Result<Quantity, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let value: f64 = number.trim().parse().map_err(|_| {
            format!("expected a number with an optional unit (e.g. `200ms`, `50 kB`, `90`), found `{text}`")
        })?;
        if !value.is_finite() {
            return Err(format!("`{text}` is not a finite number"));
        }
        let unit = unit.trim();
        if unit.is_empty() {
            return Ok(Quantity { value, kind: QuantityKind::Plain });
        }
        if let Some(f) = duration_factor(unit) {
            return Ok(Quantity { value: value * f, kind: QuantityKind::Duration });
        }
        if let Some(f) = size_factor(unit) {
            return Ok(Quantity { value: value * f, kind: QuantityKind::Size });
        }
        Err(format!(
            "unknown unit `{unit}` in `{text}`: durations take ps, ns, us, µs, ms, s, min; \
             sizes take B, kB, MB, GB (1000) or KiB, MiB, GiB (1024); scores and counts take no unit"
        ))
    }

    /// Whether this quantity can be compared with a metric in `canonical_unit`.
    pub fn fits(&self, canonical_unit: &str) -> bool {
        matches!(
            (self.kind, dimension(canonical_unit)),
            (QuantityKind::Duration, Dimension::Duration)
                | (QuantityKind::Size, Dimension::Size)
                | (QuantityKind::Plain, Dimension::Rate | Dimension::Other)
        )
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.kind {
            QuantityKind::Duration => NS,
            QuantityKind::Size => BYTES,
            QuantityKind::Plain => "",
        };
        f.write_str(&human(self.value, unit))
    }
}

/// Parses a percentage such as `10%` or `2.5 %` into a fraction of one (0.10).
pub fn parse_percent(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let Some(number) = t.strip_suffix('%') else {
        return Err(format!("found `{t}`; expected a percentage such as `10%`"));
    };
    let value: f64 = number.trim().parse().map_err(|_| format!("found `{t}`; expected a percentage such as `10%`"))?;
    if !value.is_finite() || value < 0.0 {
        return Err(format!("a percentage must be zero or more, found `{t}`"));
    }
    Ok(value / 100.0)
}

/// Formats a canonical value for people: `212 ms`, `1.23 µs`, `48.2 kB`, `1,431,759 ops/s`.
pub fn human(value: f64, canonical_unit: &str) -> String {
    let mut text = String::new();
    write_human(&mut text, value, canonical_unit);
    text
}

/// [`human`], appended to `out`: a row's reason holds several, written in place.
pub fn write_human(out: &mut String, value: f64, canonical_unit: &str) {
    // Byte rates (MB/s from Go, bytes_per_second from Google Benchmark) scale as sizes do.
    if canonical_unit == "B/s" {
        write_human(out, value, BYTES);
        out.push_str("/s");
        return;
    }
    let abs = value.abs();
    let (scaled, unit) = match dimension(canonical_unit) {
        Dimension::Duration => {
            if abs >= 60e9 * 2.0 {
                (value / 60e9, "min")
            } else if abs >= 1e9 {
                (value / 1e9, "s")
            } else if abs >= 1e6 {
                (value / 1e6, "ms")
            } else if abs >= 1e3 {
                (value / 1e3, "µs")
            } else if abs >= 1.0 || abs == 0.0 {
                (value, "ns")
            } else {
                (value * 1e3, "ps")
            }
        }
        Dimension::Size if abs < 1e3 => (value, "B"),
        Dimension::Size if abs < 1e6 => (value / 1e3, "kB"),
        Dimension::Size if abs < 1e9 => (value / 1e6, "MB"),
        Dimension::Size => (value / 1e9, "GB"),
        _ => (value, canonical_unit),
    };
    write_sig3(out, scaled);
    if !unit.is_empty() {
        out.push(' ');
        out.push_str(unit);
    }
}

/// Three significant digits, no exponent, integers as integers: readable in a table.
pub fn sig3(value: f64) -> String {
    let mut text = String::new();
    write_sig3(&mut text, value);
    text
}

/// [`sig3`], appended to `out`.
pub fn write_sig3(out: &mut String, value: f64) {
    if value == 0.0 {
        out.push('0');
        return;
    }
    if !value.is_finite() {
        let _ = fmt::Write::write_fmt(out, format_args!("{value}"));
        return;
    }
    let magnitude = value.abs().log10().floor() as i32;
    let decimals = (2 - magnitude).clamp(0, 6) as u32;
    let start = out.len();
    write_fixed(out, value, decimals);
    if out[start..].contains('.') {
        let kept = out.trim_end_matches('0').trim_end_matches('.').len();
        out.truncate(kept);
    }
}

/// `value` with `decimals` digits after the point, exactly as `format!("{value:.decimals$}")`
/// writes it, appended to `out`. Reports write three numbers or more for each of 20,000 rows,
/// and the standard library's exact formatting (Grisu with a Dragon4 fallback) was a tenth of
/// that: where `value · 10^decimals` is an integer-sized number clearly away from a rounding
/// tie, rounding it gives the same digits, which integer formatting writes; the rest (ties,
/// huge numbers) goes to the standard library.
pub fn write_fixed(out: &mut String, value: f64, decimals: u32) {
    const POW10: [f64; 7] = [1.0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6];
    // 10^d is exact for d ≤ 6 and the product is within half an ulp of the exact one, so a
    // fraction farther than a few ulps from one half rounds as the exact value does.
    let scaled = value * POW10.get(decimals as usize).copied().unwrap_or(f64::NAN);
    let fraction = (scaled - scaled.trunc()).abs();
    let clear_of_tie = (fraction - 0.5).abs() > 4.0 * f64::EPSILON * scaled.abs().max(1.0);
    if !(scaled.abs() < 2f64.powi(52) && clear_of_tie) {
        let _ = fmt::Write::write_fmt(out, format_args!("{value:.prec$}", prec = decimals as usize));
        return;
    }
    let digits = scaled.abs().round() as u64;
    if value.is_sign_negative() {
        out.push('-');
    }
    let unit = 10u64.pow(decimals);
    // itoa, not `format_args!`: the formatting machinery was most of a row's reason text.
    let mut integer = itoa::Buffer::new();
    out.push_str(integer.format(digits / unit));
    if decimals > 0 {
        let mut fraction = itoa::Buffer::new();
        let fraction = fraction.format(digits % unit);
        out.push('.');
        for _ in fraction.len()..decimals as usize {
            out.push('0');
        }
        out.push_str(fraction);
    }
}

/// Signed percentage for reports: `+14.2%`, `-3.1%`, `±0%`.
pub fn signed_percent(fraction: f64) -> String {
    let mut text = String::new();
    write_signed_percent(&mut text, fraction);
    text
}

/// [`signed_percent`], appended to `out`.
pub fn write_signed_percent(out: &mut String, fraction: f64) {
    if fraction.is_infinite() {
        // From a baseline of zero.
        out.push_str(if fraction > 0.0 { "+∞%" } else { "-∞%" });
        return;
    }
    let pct = fraction * 100.0;
    if pct.abs() < 0.05 {
        out.push_str("±0%");
    } else if pct.is_nan() {
        let _ = fmt::Write::write_fmt(out, format_args!("{pct:+.1}%"));
    } else {
        if !pct.is_sign_negative() {
            out.push('+');
        }
        write_fixed(out, pct, 1);
        out.push('%');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What [`sig3`] wrote before its fast path: the standard library's exact formatting.
    fn sig3_by_format(value: f64) -> String {
        if value == 0.0 {
            return "0".into();
        }
        if !value.is_finite() {
            return value.to_string();
        }
        let magnitude = value.abs().log10().floor() as i32;
        let decimals = (2 - magnitude).clamp(0, 6) as usize;
        let s = format!("{value:.decimals$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    }

    #[test]
    fn fast_number_formatting_writes_what_exact_formatting_writes() {
        let mut rng = fastrand::Rng::with_seed(5);
        let mut values: Vec<f64> = vec![
            0.125,
            0.0125,
            1.005,
            2.675,
            0.5,
            1.5,
            2.5,
            999.5,
            999.95,
            99.95,
            0.00015,
            -0.00015,
            1e-7,
            -1e-7,
            1e-9,
            4503599627370496.0,
            1e17,
            1e300,
            -1e300,
            123456.5,
            0.1,
            0.2,
            0.3,
            0.7,
            14.6,
            -3.15,
            5e-324,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.0,
        ];
        for _ in 0..200_000 {
            let exponent = rng.i32(-12..20);
            let mantissa = rng.f64() * if rng.bool() { 1.0 } else { -1.0 };
            values.push(mantissa * 10f64.powi(exponent));
            // Decimal ties at 3 significant digits, the cases the fast path must hand over.
            values.push((rng.u32(100..1000) as f64 + 0.5) * 10f64.powi(rng.i32(-8..4)));
        }
        for value in values {
            assert_eq!(sig3(value), sig3_by_format(value), "sig3({value:e})");
            for decimals in 0..=6 {
                let mut fast = String::new();
                write_fixed(&mut fast, value, decimals);
                assert_eq!(fast, format!("{value:.prec$}", prec = decimals as usize), "{value:e} to {decimals}");
            }
            let pct = value * 100.0;
            let expected = if value.is_infinite() {
                if value > 0.0 {
                    "+∞%".to_string()
                } else {
                    "-∞%".to_string()
                }
            } else if pct.abs() < 0.05 {
                "±0%".to_string()
            } else {
                format!("{pct:+.1}%")
            };
            assert_eq!(signed_percent(value), expected, "signed_percent({value:e})");
        }
    }

    #[test]
    fn quantities_in_every_unit_the_design_names() {
        let q = |t| Quantity::parse(t).unwrap();
        assert_eq!(q("850us"), Quantity { value: 850_000.0, kind: QuantityKind::Duration });
        assert_eq!(q("1.5 ms").value, 1_500_000.0);
        assert_eq!(q("2s").value, 2e9);
        assert_eq!(q("500 B"), Quantity { value: 500.0, kind: QuantityKind::Size });
        assert_eq!(q("50 kB").value, 50_000.0);
        assert_eq!(q("50 KiB").value, 51_200.0);
        assert_eq!(q("1.2 MB").value, 1_200_000.0);
        assert_eq!(q("90"), Quantity { value: 90.0, kind: QuantityKind::Plain });
        assert_eq!(q("1e3ns").value, 1000.0);
    }

    #[test]
    fn bad_quantities_explain_themselves() {
        assert!(Quantity::parse("50 kX").unwrap_err().contains("unknown unit `kX`"));
        assert!(Quantity::parse("fast").unwrap_err().contains("expected a number"));
        assert!(Quantity::parse("").is_err());
    }

    #[test]
    fn percentages() {
        assert_eq!(parse_percent("10%").unwrap(), 0.10);
        assert_eq!(parse_percent(" 2.5 % ").unwrap(), 0.025);
        assert!(parse_percent("10").is_err());
        assert!(parse_percent("-5%").is_err());
    }

    #[test]
    fn tool_units_become_canonical() {
        assert_eq!(canonicalize(1.5, "ms"), (1_500_000.0, "ns".into()));
        assert_eq!(canonicalize(3.0, "μs"), (3000.0, "ns".into()));
        assert_eq!(canonicalize(2.0, "KiB"), (2048.0, "B".into()));
        assert_eq!(canonicalize(5.0, "ops/ms"), (5000.0, "ops/s".into()));
        assert_eq!(canonicalize(70.0, "req/s"), (70.0, "req/s".into()));
        assert_eq!(canonicalize(41.0, "iter/sec"), (41.0, "iter/s".into()));
        assert_eq!(canonicalize(50.0, "Percent"), (50.0, "Percent".into()));
        assert_eq!(canonicalize(325.0, "ns/op"), (325.0, "ns".into()));
        assert_eq!(canonicalize(1.5, "us/iter"), (1500.0, "ns".into()));
        assert_eq!(canonicalize(48.0, "B/op"), (48.0, "B".into()));
        assert_eq!(canonicalize(2.0, "MB/s"), (2e6, "B/s".into()));
        assert_eq!(canonicalize(3.0, "allocs/op"), (3.0, "allocs/op".into()));
        assert_eq!(canonicalize(2835.0, "cycles/iter"), (2835.0, "cycles/iter".into()));
    }

    #[test]
    fn human_formatting() {
        assert_eq!(human(212_000_000.0, NS), "212 ms");
        assert_eq!(human(1234.0, NS), "1.23 µs");
        assert_eq!(human(48_213.0, BYTES), "48.2 kB");
        assert_eq!(human(0.3239, NS), "324 ps");
        assert_eq!(human(1_431_759.0, "ops/s"), "1431759 ops/s");
        assert_eq!(human(90.0, ""), "90");
        assert_eq!(human(124_533_410_000.0, "B/s"), "125 GB/s");
        assert_eq!(signed_percent(0.142), "+14.2%");
        assert_eq!(signed_percent(-0.031), "-3.1%");
    }
}
