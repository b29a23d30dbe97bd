//! Checked conversions from the numbers other languages use for time (seconds as a float in
//! Python, milliseconds in Node) to [`Duration`]: no arithmetic on a user's value can panic.

use std::time::Duration;

use crate::error::Error;

/// The longest duration accepted for any timeout or delay: one year. Anything larger is
/// far more likely a unit mistake (milliseconds passed as seconds) than a wish.
pub const MAX_USER_DURATION: Duration = Duration::from_secs(365 * 24 * 3600);

/// `seconds` as a [`Duration`]; NaN, negative, infinite or over a year is an
/// `invalid_request` naming `field`.
///
/// ```
/// use gemini_image_core::seconds_to_duration;
/// assert_eq!(seconds_to_duration("timeout", 2.5)?.as_millis(), 2500);
/// assert_eq!(seconds_to_duration("timeout", f64::NAN).unwrap_err().field(), Some("timeout"));
/// # Ok::<(), gemini_image_core::Error>(())
/// ```
pub fn seconds_to_duration(field: &str, seconds: f64) -> Result<Duration, Error> {
    checked(field, seconds, "seconds", MAX_USER_DURATION.as_secs_f64()).map(Duration::from_secs_f64)
}

/// `millis` (milliseconds) as a [`Duration`], with the same checks as
/// [`seconds_to_duration`].
pub fn millis_to_duration(field: &str, millis: f64) -> Result<Duration, Error> {
    checked(
        field,
        millis,
        "milliseconds",
        MAX_USER_DURATION.as_secs_f64() * 1000.0,
    )
    .map(|ms| Duration::from_secs_f64(ms / 1000.0))
}

fn checked(field: &str, value: f64, unit: &str, max: f64) -> Result<f64, Error> {
    if value.is_nan() {
        return Err(Error::invalid(
            field,
            format!("is NaN; give a number of {unit}"),
        ));
    }
    if value < 0.0 {
        return Err(Error::invalid(
            field,
            format!("is negative ({value}); give a positive number of {unit}"),
        ));
    }
    if !value.is_finite() || value > max {
        return Err(Error::invalid(
            field,
            format!("is too large ({value} {unit}); the most accepted is one year"),
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_and_rejects() {
        assert_eq!(seconds_to_duration("t", 0.0), Ok(Duration::ZERO));
        assert_eq!(
            seconds_to_duration("t", 1.5),
            Ok(Duration::from_millis(1500))
        );
        assert_eq!(
            millis_to_duration("t", 250.0),
            Ok(Duration::from_millis(250))
        );
        for bad in [f64::NAN, -1.0, f64::INFINITY, f64::NEG_INFINITY, 1e300, 4e7] {
            let err = seconds_to_duration("timeout", bad).unwrap_err();
            assert_eq!(err.field(), Some("timeout"), "{bad}");
        }
        assert!(millis_to_duration("timeout_ms", 1e15).is_err());
        assert!(millis_to_duration("timeout_ms", -0.5).is_err());
    }
}
