//! The plain types of one HTTP exchange with GitHub, shared by the client and its retry loop
//! (a leaf, so neither imports the other).

use std::time::Duration;

/// How long one request may take before we call it lost.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A response that made it back.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: String,
}

/// A failed call, classified for the publishing logic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status, `None` when no response arrived (connection refused, timeout).
    pub status: Option<u16>,
    pub message: String,
    /// The request may have been carried out although we got no success answer (5xx, timeout):
    /// a POST must not be blindly repeated.
    pub uncertain: bool,
}

impl ApiError {
    /// A token without the permission (fork PRs get a read-only token; a workflow may lack
    /// `pull-requests: write` / `statuses: write` / `checks: write`).
    pub fn is_permission(&self) -> bool {
        matches!(self.status, Some(403) if !self.message.to_lowercase().contains("rate limit"))
            || self.message.contains("Resource not accessible by integration")
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.status {
            Some(s) => write!(f, "HTTP {s}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}
