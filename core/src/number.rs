//! Decimal text to `f64` without std's float parser.
//!
//! Why: `str::parse::<f64>` rounds correctly in every case with the Eisel-Lemire algorithm and its 10 KB table of
//! powers of five, about 9 KB of every gzipped wasm build (`docs/wasm.md`). serde_json's number reader is in every
//! build already, so the core checks the syntax here and lets serde_json read the digits: exact whenever the
//! significand has at most 15 digits and the power of ten is at most 22 (every literal a statistic or a question
//! holds in practice), within an ulp or so beyond.

/// `text` as a number, accepting what `str::parse::<f64>` accepts: an optional sign, digits with an optional
/// decimal point (digits on at least one side), an optional exponent, or `inf`, `infinity`, `nan` in any case.
/// No surrounding whitespace.
pub fn parse_f64(text: &str) -> Option<f64> {
    let (negative, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let sign = if negative { -1.0 } else { 1.0 };
    if body.eq_ignore_ascii_case("inf") || body.eq_ignore_ascii_case("infinity") {
        return Some(sign * f64::INFINITY);
    }
    if body.eq_ignore_ascii_case("nan") {
        return Some(f64::NAN);
    }
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.len() + fraction.len() == 0 || !digits(whole) || !digits(fraction) {
        return None;
    }
    let exponent = match exponent {
        Some(e) => {
            let unsigned = e.strip_prefix(['+', '-']).unwrap_or(e);
            if unsigned.is_empty() || !digits(unsigned) {
                return None;
            }
            e
        }
        None => "0",
    };
    // JSON's spelling of the same number: no leading zeros, digits on both sides of the point.
    let whole = whole.trim_start_matches('0');
    let json = format!(
        "{}.{}e{exponent}",
        if whole.is_empty() { "0" } else { whole },
        if fraction.is_empty() { "0" } else { fraction }
    );
    let magnitude = match serde_json::from_slice::<serde_json::Value>(json.as_bytes()) {
        Ok(value) => value.as_f64()?,
        // The syntax is right, so serde_json refused a magnitude beyond f64: std gives infinity.
        Err(_) => f64::INFINITY,
    };
    Some(sign * magnitude)
}

#[cfg(test)]
mod tests {
    use super::parse_f64;

    #[test]
    fn reads_what_std_reads_and_refuses_what_it_refuses() {
        let texts = [
            "0",
            "-0",
            "+7",
            "12",
            "012",
            "12.5",
            "-12.50",
            ".5",
            "5.",
            "-.25",
            "1e3",
            "1E-3",
            "2.5e+2",
            "1e400",
            "-1e400",
            "1e-400",
            "123456789012345",
            "0.1",
            "0.3",
            "3.14159",
            "19.99",
            "1e22",
            "4.9e-7",
            "9007199254740993",
            "inf",
            "-Infinity",
            "NaN",
            "",
            ".",
            "-",
            "+",
            "e5",
            "1e",
            "1e+",
            "1.2.3",
            "12abc",
            "0x10",
            "1_000",
            " 1",
            "1 ",
            "--1",
            "1e5.5",
            "١٢",
        ];
        for text in texts {
            let ours = parse_f64(text);
            let std = text.parse::<f64>().ok();
            match (ours, std) {
                (Some(a), Some(b)) if a.is_nan() => assert!(b.is_nan(), "{text}"),
                (Some(a), Some(b)) => {
                    assert!(a == b || (a - b).abs() <= b.abs() * 4.0 * f64::EPSILON, "{text}: {a} vs {b}")
                }
                (a, b) => assert_eq!(a, b, "{text}"),
            }
        }
    }

    #[test]
    fn everyday_literals_are_exact() {
        for text in ["0.1", "0.3", "19.99", "3.14159", "-273.15", "1e-7", "123456.789", "2.5e10", "0.000001"] {
            assert_eq!(parse_f64(text), text.parse::<f64>().ok(), "{text}");
        }
    }
}
