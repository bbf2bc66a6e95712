//! Retries with exponential backoff and jitter on 5xx and lost connections, waiting as told on
//! rate limits (`Retry-After`, `x-ratelimit-reset`), within one bound on the total time.
//! A request that is not idempotent (creating a comment) is never repeated here: its caller
//! checks whether GitHub carried it out before trying again.

use std::future::Future;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::answers;
use super::http::{ApiError, Response, DEFAULT_REQUEST_TIMEOUT};

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// How long one request may take before it counts as lost.
    pub request_timeout: Duration,
    /// Bound on all attempts and waits of one call together.
    pub total: Duration,
    pub base_delay: Duration,
    pub max_delay: Duration,
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            total: Duration::from_secs(120),
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(20),
            max_attempts: 5,
        }
    }
}

/// What one attempt produced.
pub enum Attempt {
    Answered(Response),
    /// No response: connection refused or reset, timeout, broken body.
    Transport(String),
}

/// Runs `attempt` until it succeeds, fails for good, or the policy's bounds are reached.
pub async fn run<F, Fut>(policy: &RetryPolicy, idempotent: bool, mut attempt: F) -> Result<Response, ApiError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Attempt>,
{
    let start = Instant::now();
    let mut tries = 0u32;
    loop {
        tries += 1;
        let outcome = match tokio::time::timeout(policy.request_timeout, attempt()).await {
            Ok(outcome) => outcome,
            Err(_) => Attempt::Transport(format!("no answer within {} s", policy.request_timeout.as_secs_f64())),
        };
        let (error, wait) = match outcome {
            Attempt::Answered(r) if (200..300).contains(&r.status) => return Ok(r),
            Attempt::Answered(r) => {
                let message = answers::error_message(&r.body);
                match answers::rate_limit_wait(r.status, &r.headers, &message, now()) {
                    // Rate-limited requests were not carried out: repeating is always safe.
                    Some(wait) => (ApiError { status: Some(r.status), message, uncertain: false }, Some(wait)),
                    None if r.status >= 500 => {
                        let e = ApiError { status: Some(r.status), message, uncertain: true };
                        (e, idempotent.then(|| backoff(policy, tries)))
                    }
                    None => return Err(ApiError { status: Some(r.status), message, uncertain: false }),
                }
            }
            Attempt::Transport(message) => {
                let e = ApiError { status: None, message, uncertain: true };
                (e, idempotent.then(|| backoff(policy, tries)))
            }
        };
        let Some(wait) = wait else { return Err(error) };
        // Saturating: a `Retry-After` of u64::MAX seconds overflowed this sum and panicked.
        if tries >= policy.max_attempts || start.elapsed().saturating_add(wait) > policy.total {
            let mut error = error;
            error.message = format!(
                "{} (gave up after {tries} attempt{}, {:.0} s)",
                error.message,
                if tries == 1 { "" } else { "s" },
                start.elapsed().as_secs_f64()
            );
            return Err(error);
        }
        eprintln!("budgetgate: GitHub: {error}; retrying in {:.1} s", wait.as_secs_f64());
        tokio::time::sleep(wait).await;
    }
}

/// Exponential backoff with jitter: base·2^(n-1), scaled by a random factor in [0.5, 1), capped.
fn backoff(policy: &RetryPolicy, tries: u32) -> Duration {
    let exp = policy.base_delay.saturating_mul(1 << (tries - 1).min(16));
    exp.min(policy.max_delay).mul_f64(0.5 + fastrand::f64() / 2.0)
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
        let mut map = http::HeaderMap::new();
        for (k, v) in headers {
            map.insert(http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        Response { status, headers: map, body: body.into() }
    }

    fn fast() -> RetryPolicy {
        RetryPolicy { base_delay: Duration::from_millis(1), max_delay: Duration::from_millis(5), ..Default::default() }
    }

    fn run_script(policy: RetryPolicy, idempotent: bool, script: Vec<Attempt>) -> (Result<Response, ApiError>, usize) {
        let calls = Cell::new(0);
        let script = std::cell::RefCell::new(script.into_iter());
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let result = rt.block_on(run(&policy, idempotent, || {
            calls.set(calls.get() + 1);
            let next = script.borrow_mut().next().expect("no more scripted answers");
            async move { next }
        }));
        (result, calls.get())
    }

    #[test]
    fn server_errors_are_retried_then_succeed() {
        let (r, calls) = run_script(
            fast(),
            true,
            vec![Attempt::Answered(response(502, &[], "")), Attempt::Answered(response(200, &[], "{}"))],
        );
        assert_eq!((r.unwrap().status, calls), (200, 2));
    }

    #[test]
    fn posts_are_not_repeated_after_an_uncertain_failure() {
        let (r, calls) = run_script(fast(), false, vec![Attempt::Transport("timed out".into())]);
        let e = r.unwrap_err();
        assert!(e.uncertain);
        assert_eq!(calls, 1);
    }

    #[test]
    fn client_errors_fail_at_once_with_githubs_message() {
        let body = r#"{"message":"Validation Failed","errors":[{"message":"body is too long (maximum is 65536 characters)"}]}"#;
        let (r, calls) = run_script(fast(), true, vec![Attempt::Answered(response(422, &[], body))]);
        assert_eq!(r.unwrap_err().message, "Validation Failed; body is too long (maximum is 65536 characters)");
        assert_eq!(calls, 1);
    }

    #[test]
    fn rate_limits_wait_as_told() {
        let limited =
            response(403, &[("retry-after", "0")], r#"{"message":"You have exceeded a secondary rate limit"}"#);
        let (r, calls) =
            run_script(fast(), false, vec![Attempt::Answered(limited), Attempt::Answered(response(201, &[], "{}"))]);
        assert_eq!((r.unwrap().status, calls), (201, 2));
    }

    #[test]
    fn a_retry_after_of_the_largest_number_gives_up_instead_of_overflowing() {
        let limited = response(429, &[("retry-after", "18446744073709551615")], "{}");
        let (r, calls) = run_script(fast(), true, vec![Attempt::Answered(limited)]);
        assert!(r.unwrap_err().message.contains("gave up after 1 attempt"));
        assert_eq!(calls, 1);
    }

    #[test]
    fn the_total_bound_stops_waiting() {
        let policy = RetryPolicy { total: Duration::from_secs(5), ..fast() };
        let limited = response(403, &[("retry-after", "60")], r#"{"message":"secondary rate limit"}"#);
        let (r, calls) = run_script(policy, true, vec![Attempt::Answered(limited)]);
        assert!(r.unwrap_err().message.contains("gave up after 1 attempt"));
        assert_eq!(calls, 1);
    }
}
