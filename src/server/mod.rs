//! The loopback container-credentials endpoint (`exec --server`, `shell --server`, the TUI's
//! `S`, `runas serve`): a listener on `127.0.0.1` that answers the AWS SDKs' container
//! credentials provider (`AWS_CONTAINER_CREDENTIALS_FULL_URI` +
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN`) with one profile's credentials, kept current by a
//! background renewal ([`keeper`]), so a program that runs for days never holds expired keys.
//!
//! Owns the listener, the per-endpoint token, the request checks ([`request`]) and the
//! answers ([`answer`]). It takes credentials only from the [`Session`] and never prints:
//! each answered request is reported as an [`Answered`] to a caller that may show it. The
//! token and the credentials never reach a log, an error or an [`Answered`].
//!
//! Built on tokio's `TcpListener` and a small hand-written request reader rather than hyper
//! (which is in the tree only inside the SDK's and reqwest's clients, without its server
//! side): the endpoint answers one GET and closes, and a reader of our own enforces the
//! exact limits (head size, header count, deadline) in a few lines that tests reach directly.

pub mod answer;
pub mod keeper;
pub mod request;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ring::rand::{SecureRandom, SystemRandom};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::sync::mpsc::UnboundedSender;

use crate::cache::store::CredentialEntry;
use crate::creds::Secret;
use crate::session::{Session, SessionEvent};
use crate::shell::{self, Environment, Variable, vars};
pub use keeper::{Held, Keeper, Problem};
use request::{Expected, Refusal};

/// The one path that answers.
pub const PATH: &str = "/runas/credentials";
/// Where the SDKs look for the endpoint and its token.
pub const FULL_URI: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
pub const AUTHORIZATION_TOKEN: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
/// Removed from a child's environment: each would win over the endpoint in the SDKs' provider
/// chains (static keys, a relative ECS URI, a token file, web identity) or pair stale values
/// with it.
const SHADOWING_VARIABLES: [&str; 11] = [
    vars::ACCESS_KEY_ID,
    vars::SECRET_ACCESS_KEY,
    vars::SESSION_TOKEN,
    vars::LEGACY_SECURITY_TOKEN,
    vars::CREDENTIAL_EXPIRATION,
    vars::PROFILE,
    vars::DEFAULT_PROFILE,
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
];
/// More simultaneous connections than any set of SDK clients opens; beyond it a new
/// connection is closed at once, so a flood costs file descriptors only up to here.
pub const MAX_CONNECTIONS: usize = 1024;
/// How long a request that finds the credentials expired waits for the renewal it triggers
/// (after a suspend): below the SDKs' one-second-or-so read timeout.
const EXPIRED_WAIT: Duration = Duration::from_millis(800);
/// Credentials closer than this to expiry are not handed out: a call signed with them could
/// reach AWS after they expired.
const LAST_USABLE: chrono::Duration = chrono::Duration::seconds(5);

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot listen on 127.0.0.1 for the credentials endpoint: {0}")]
    Bind(#[source] std::io::Error),
    #[error("cannot make a random token for the credentials endpoint")]
    Random,
}

/// One request answered, for the request log. Carries no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    pub at: DateTime<Utc>,
    pub status: u16,
    /// Expiry of the credentials handed out (200 only).
    pub expiration: Option<DateTime<Utc>>,
    /// Why there were no credentials.
    pub reason: Option<String>,
}

/// A bound endpoint for one profile and one token, not yet serving.
pub struct Endpoint {
    listener: TcpListener,
    address: SocketAddr,
    shared: Arc<Shared>,
    renewer: tokio::task::JoinHandle<()>,
}

struct Shared {
    profile: String,
    host: String,
    token: Secret,
    keeper: Keeper,
    log: Option<UnboundedSender<Answered>>,
}

impl Endpoint {
    /// Binds a free port on 127.0.0.1, makes a new token, and starts keeping `initial` (the
    /// profile's credentials, just obtained) current. Login prompts of renewals go to
    /// `prompts`; answered requests to `log`.
    pub async fn bind(
        session: Arc<Session>,
        profile: &str,
        initial: CredentialEntry,
        prompts: UnboundedSender<SessionEvent>,
        log: Option<UnboundedSender<Answered>>,
    ) -> Result<Endpoint, ServerError> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(ServerError::Bind)?;
        let address = listener.local_addr().map_err(ServerError::Bind)?;
        let (keeper, renewer) = Keeper::start(session, profile.to_owned(), initial, prompts);
        Ok(Endpoint {
            listener,
            address,
            shared: Arc::new(Shared {
                profile: profile.to_owned(),
                host: address.to_string(),
                token: new_token()?,
                keeper,
                log,
            }),
            renewer,
        })
    }

    /// `http://127.0.0.1:PORT/runas/credentials`.
    pub fn url(&self) -> String {
        format!("http://{}{PATH}", self.address)
    }

    pub fn token(&self) -> &Secret {
        &self.shared.token
    }

    pub fn keeper(&self) -> &Keeper {
        &self.shared.keeper
    }

    /// The environment of a child that gets its credentials from this endpoint: the URI and
    /// token, the region, `RUNAS_PROFILE`, and none of the variables that would shadow them.
    pub fn child_environment(&self, region: Option<&str>) -> Environment {
        let mut set = vec![
            Variable {
                name: FULL_URI,
                value: Secret::new(self.url()),
            },
            Variable {
                name: AUTHORIZATION_TOKEN,
                value: self.shared.token.clone(),
            },
        ];
        set.extend(shell::context_variables(&self.shared.profile, region));
        Environment {
            set,
            unset: SHADOWING_VARIABLES.to_vec(),
        }
    }

    /// Answers requests until the future is dropped (the child exited, Ctrl-C), which also
    /// stops the renewal and closes the port.
    pub async fn serve(self) {
        let Endpoint {
            listener,
            shared,
            renewer,
            ..
        } = self;
        let _renewer = AbortOnDrop(renewer);
        let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                // Out of descriptors or an aborted handshake: the next accept may work.
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            };
            let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
                drop(stream);
                continue;
            };
            let shared = Arc::clone(&shared);
            tokio::spawn(async move {
                answer_connection(stream, &shared).await;
                drop(slot);
            });
        }
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// 256 random bits as 64 hex digits.
fn new_token() -> Result<Secret, ServerError> {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| ServerError::Random)?;
    Ok(Secret::new(
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>(),
    ))
}

async fn answer_connection(mut stream: TcpStream, shared: &Shared) {
    let expected = Expected {
        host: &shared.host,
        path: PATH,
        token: shared.token.expose(),
    };
    let verdict = request::read_head(&mut stream)
        .await
        .and_then(|bytes| request::parse(&bytes))
        .and_then(|head| request::judge(&head, &expected));
    let (status, body, answered) = match verdict {
        Ok(()) => credentials_answer(shared).await,
        Err(Refusal::Incomplete) => {
            // Nothing was asked; an idle or stalled connection is just closed.
            return;
        }
        Err(refusal) => refused(refusal),
    };
    let written = tokio::time::timeout(request::HEAD_DEADLINE, async {
        stream
            .write_all(&answer::http_response(status, &body))
            .await?;
        stream.shutdown().await
    })
    .await;
    if !matches!(written, Ok(Ok(()))) {
        tracing::debug!(status, "the caller left before the answer was written");
    }
    tracing::debug!(status, reason = ?answered.reason, "credentials endpoint answered");
    if let Some(log) = &shared.log {
        let _ = log.send(answered);
    }
}

fn refused(refusal: Refusal) -> (u16, String, Answered) {
    let status = refusal.status();
    let body = answer::error_body("Refused", refusal.reason());
    let answered = Answered {
        at: Utc::now(),
        status,
        expiration: None,
        reason: Some(refusal.reason().to_owned()),
    };
    (status, body, answered)
}

/// The held credentials if usable; stale ones wake the renewal first; expired ones, and ones
/// obtained for a definition the files no longer give, wait briefly for it, then get a 503
/// that says what the person must do.
async fn credentials_answer(shared: &Shared) -> (u16, String, Answered) {
    let now = Utc::now();
    let definition = shared.keeper.definition_now();
    let held = shared.keeper.held();
    // Credentials obtained for a definition the files no longer give are never handed out.
    let usable = held.entry.filter(|entry| {
        entry.credentials.expiration - now > LAST_USABLE
            && definition.is_some()
            && entry.definition == definition
    });
    let entry = match usable {
        Some(entry) => {
            if !entry.is_fresh(now) {
                shared.keeper.wake();
            }
            Some(entry)
        }
        None => {
            shared.keeper.wake();
            (shared.keeper)
                .wait_for_valid(EXPIRED_WAIT, definition.as_deref())
                .await
        }
    };
    match entry {
        Some(entry) => {
            let expiration = entry.credentials.expiration;
            let answered = Answered {
                at: Utc::now(),
                status: 200,
                expiration: Some(expiration),
                reason: None,
            };
            (200, answer::credentials_body(&entry), answered)
        }
        None => {
            let message = unavailable_message(&shared.profile, shared.keeper.held().problem);
            let answered = Answered {
                at: Utc::now(),
                status: 503,
                expiration: None,
                reason: Some(message.clone()),
            };
            (
                503,
                answer::error_body("CredentialsUnavailable", &message),
                answered,
            )
        }
    }
}

/// What the SDK will show the person when there are no credentials to hand out.
pub fn unavailable_message(profile: &str, problem: Option<Problem>) -> String {
    match problem {
        Some(Problem::LoginPending) => format!(
            "runas: profile {profile} needs a login: finish it in the browser runas opened \
             (or with the device code on runas's terminal); the credentials have expired"
        ),
        Some(Problem::Failed(error)) => format!(
            "runas: profile {profile} needs a login: the credentials have expired and renewing \
             them failed: {error}"
        ),
        None => format!(
            "runas: profile {profile}: the credentials have expired and are being renewed; \
             try again in a moment"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_503_message_says_what_the_person_must_do() {
        let pending = unavailable_message("dev", Some(Problem::LoginPending));
        assert!(
            pending.starts_with("runas: profile dev needs a login: "),
            "{pending}"
        );
        assert!(pending.contains("browser"), "{pending}");
        let failed = unavailable_message("dev", Some(Problem::Failed("IdP down".into())));
        assert!(
            failed.contains("needs a login") && failed.ends_with("IdP down"),
            "{failed}"
        );
        let renewing = unavailable_message("dev", None);
        assert!(renewing.contains("being renewed"), "{renewing}");
    }

    #[test]
    fn tokens_are_256_random_bits_in_hex() {
        let (first, second) = (new_token().unwrap(), new_token().unwrap());
        assert_eq!(first.expose().len(), 64);
        assert!(first.expose().bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(first, second);
    }
}
