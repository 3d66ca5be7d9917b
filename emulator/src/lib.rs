//! An offline stand-in for the Amazon Cognito Hosted UI and the dragons API (API Gateway with a
//! Cognito user pool authorizer), plus S3-like hosting of the built SPA. It follows
//! `shared/cognito-wire-spec.md` on its own: no protocol code is shared with the SPA.
//!
//! It is a library so tests start it in-process: `Stack::start(config).await`.

// Handlers return ready `Response`s as their errors; one per request, so the size is no concern.
#![allow(clippy::result_large_err)]

pub mod config;
pub mod dragons;
pub mod hosted_ui;
pub mod http_api;
pub mod iam_api;
pub mod identity;
pub mod idp_api;
pub mod keys;
pub mod oauth;
pub mod pages;
pub mod sigv4;
pub mod site;
pub mod state;
pub mod tokens;

use axum::http::{header, HeaderName, HeaderValue};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use axum::Router;
use config::StackConfig;
use keys::Keys;
use state::{AppState, Shared, Store, Urls, User};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower_http::cors::{Any, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;

/// A server running on a background task; dropping it (or calling `stop`) shuts it down.
pub struct RunningServer {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl RunningServer {
    /// Bind `addr` (port 0 picks a free port) and serve `app` on it.
    pub async fn start(addr: SocketAddr, app: Router) -> std::io::Result<RunningServer> {
        RunningServer::serve(TcpListener::bind(addr).await?, app)
    }

    pub fn serve(listener: TcpListener, app: Router) -> std::io::Result<RunningServer> {
        let addr = listener.local_addr()?;
        let (tx, rx) = oneshot::channel::<()>();
        // TCP_NODELAY, as CloudFront and nginx answer: with Nagle's algorithm a small file's body,
        // written after its headers, waited for the browser's delayed ACK (40 ms on Linux), and
        // main.css (render-blocking) came 40 ms late on most page loads (issue 12's benchmark).
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await
        });
        Ok(RunningServer {
            addr,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`, no trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stop accepting connections and wait for the server task to end.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.task.take() {
            Some(task) => task.await.unwrap_or(Ok(())),
            None => Ok(()),
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// The whole local stack: Hosted UI + OAuth (auth domain), issuer (JWKS, discovery), the
/// dragons API, and optionally the site, each on its own loopback origin so CORS is real.
pub struct Stack {
    pub shared: AppState,
    servers: Vec<RunningServer>,
}

impl Stack {
    /// Start with keys from `config.key_file`, or fresh ones.
    pub async fn start(config: StackConfig) -> Result<Stack, String> {
        let keys = match &config.key_file {
            Some(path) => Keys::load_or_create(path)?,
            None => Keys::generate()?,
        };
        Stack::start_with_keys(config, keys).await
    }

    pub async fn start_with_keys(config: StackConfig, keys: Keys) -> Result<Stack, String> {
        config.validate()?;
        let bind = |port: u16| async move {
            TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
                .await
                .map_err(|e| format!("cannot listen on 127.0.0.1:{port} ({e}); is another copy running? Choose other ports with the flags or the TOML file."))
        };
        let auth = bind(config.auth_port).await?;
        let idp = bind(config.idp_port).await?;
        let api = bind(config.api_port).await?;
        let http_api = bind(config.http_api_port).await?;
        let site = match &config.site_dir {
            Some(_) => Some(bind(config.site_port).await?),
            None => None,
        };
        let port = |l: &TcpListener| l.local_addr().map(|a| a.port()).unwrap_or(0);
        let host = &config.host;
        let urls = Urls {
            site: site.as_ref().map(|l| format!("http://{host}:{}/", port(l))),
            auth: format!("http://{host}:{}", port(&auth)),
            issuer: format!("http://{host}:{}/{}", port(&idp), config.pool_id),
            idp: format!("http://{host}:{}", port(&idp)),
            api: format!("http://{host}:{}/{}", port(&api), config.api.stage),
            http_api: format!("http://{host}:{}", port(&http_api)),
        };
        let store = Store {
            users: config
                .users
                .iter()
                .map(|u| {
                    let now_ms = state::Clock::default().now_ms();
                    (u.username.clone(), seeded_user(&config.pool_id, u, now_ms))
                })
                .collect(),
            dragons: dragons::seed(),
            ..Store::default()
        };
        let site_dir = config.site_dir.clone();
        let pool_id = config.pool_id.clone();
        // The OIDC scopes and every custom scope the client may ask for, as the SPA's shipped
        // config.json asks the default stack.
        let scopes: Vec<String> = ["openid", "email", "profile"]
            .into_iter()
            .map(str::to_owned)
            .chain(
                config
                    .client
                    .allowed_scopes
                    .iter()
                    .filter(|s| s.contains('/'))
                    .cloned(),
            )
            .collect();
        let spa_config = config.site_config_from_stack.then(|| {
            serde_json::json!({
                "authDomain": urls.auth,
                "issuer": urls.issuer,
                "clientId": config.client.client_id,
                "apiBaseUrl": urls.api,
                "httpApiBaseUrl": urls.http_api,
                "iamApiBaseUrl": format!(
                    "{}/{}",
                    urls.api.rsplit_once('/').map_or(urls.api.as_str(), |(origin, _)| origin),
                    config.iam_api_stage
                ),
                "identityPoolId": config.identity_pool.identity_pool_id,
                "scopes": scopes,
            })
            .to_string()
        });
        let shared: AppState = Arc::new(Shared::new(config, keys, urls, store));

        let mut servers = vec![
            RunningServer::serve(auth, auth_router(shared.clone())).map_err(|e| e.to_string())?,
            RunningServer::serve(idp, idp_router(shared.clone(), &pool_id))
                .map_err(|e| e.to_string())?,
            RunningServer::serve(api, api_router(shared.clone())).map_err(|e| e.to_string())?,
            RunningServer::serve(http_api, http_api_router(shared.clone()))
                .map_err(|e| e.to_string())?,
        ];
        if let (Some(listener), Some(dir)) = (site, site_dir) {
            let csp = shared.config.site_csp.then(|| {
                let urls = &shared.urls;
                let connect = [
                    origin_of(&urls.auth),
                    origin_of(&urls.issuer),
                    origin_of(&urls.api),
                    origin_of(&urls.http_api),
                ];
                site::content_security_policy(&connect, &[origin_of(&urls.auth)], "/csp-report")
            });
            let router = site::router_with(&dir, spa_config, csp).merge(
                Router::new()
                    .route("/csp-report", post(csp_report))
                    .with_state(shared.clone()),
            );
            servers.push(RunningServer::serve(listener, router).map_err(|e| e.to_string())?);
        }
        Ok(Stack { shared, servers })
    }

    pub fn urls(&self) -> &Urls {
        &self.shared.urls
    }

    /// Move the stack's clock forward (codes, sessions and tokens expire by it).
    pub fn advance_clock(&self, secs: i64) {
        self.shared.clock.advance_secs(secs);
    }

    pub async fn stop(self) {
        for server in self.servers {
            let _ = server.stop().await;
        }
    }
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => url[..after_scheme + i].to_owned(),
        None => url.to_owned(),
    }
}

/// POST /csp-report on the site: keep the browser's violation report (bounded) for tests.
async fn csp_report(
    axum::extract::State(shared): axum::extract::State<AppState>,
    body: axum::body::Bytes,
) -> axum::http::StatusCode {
    let text = String::from_utf8_lossy(&body)
        .chars()
        .take(4096)
        .collect::<String>();
    println!("[emulator] CSP violation reported: {text}");
    let mut store = shared.store();
    if store.csp_reports.len() >= 100 {
        store.csp_reports.remove(0);
    }
    store.csp_reports.push(text);
    axum::http::StatusCode::NO_CONTENT
}

/// Seeded users keep the same `sub` across restarts (derived from pool and user name).
fn seeded_user(pool_id: &str, u: &config::UserConfig, now_ms: i64) -> User {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{pool_id}/{}", u.username).as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    User {
        sub: uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string(),
        username: u.username.clone(),
        password: u.password.clone(),
        email: u.email.clone(),
        email_verified: true,
        groups: u.groups.clone(),
        attributes: u.attributes.clone(),
        pending_code: None,
        must_change_password: false,
        created_ms: now_ms,
        modified_ms: now_ms,
    }
}

/// `Access-Control-Allow-Origin: *` and preflight, as Cognito's OAuth endpoints answer.
fn open_cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods(Any)
        .allow_headers(Any)
}

fn auth_router(shared: AppState) -> Router {
    let api = Router::new()
        .route("/oauth2/token", post(oauth::token))
        .route("/oauth2/revoke", post(oauth::revoke))
        .route(
            "/oauth2/userInfo",
            get(oauth::user_info).post(oauth::user_info),
        )
        .layer(open_cors());
    // The Hosted UI's pages may not be framed (Cognito sends `X-Frame-Options: DENY`), so no
    // silent renew in an iframe.
    let pages = Router::new()
        .route("/oauth2/authorize", get(hosted_ui::authorize))
        .route(
            "/login",
            get(hosted_ui::login_page).post(hosted_ui::login_submit),
        )
        .route(
            "/signup",
            get(hosted_ui::signup_page).post(hosted_ui::signup_submit),
        )
        .route(
            "/confirmUser",
            get(hosted_ui::confirm_page).post(hosted_ui::confirm_submit),
        )
        .route(
            "/forceChangePassword",
            post(hosted_ui::force_change_password),
        )
        .route("/logout", get(hosted_ui::logout))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ));
    Router::new()
        .merge(pages)
        .merge(api)
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .with_state(shared)
}

fn idp_router(shared: AppState, pool_id: &str) -> Router {
    let issuer = Router::new()
        .route(
            &format!("/{pool_id}/.well-known/jwks.json"),
            get(oauth::jwks),
        )
        .route(
            &format!("/{pool_id}/.well-known/openid-configuration"),
            get(oauth::discovery),
        )
        .layer(open_cors());
    // The user pools JSON API, as on cognito-idp.<region>.amazonaws.com: open to browsers
    // (Amplify calls it from the page), its error headers readable.
    let user_pools_api =
        Router::new()
            .route("/", post(idp_api::handle))
            .layer(open_cors().expose_headers([
                HeaderName::from_static("x-amzn-requestid"),
                HeaderName::from_static("x-amzn-errortype"),
                HeaderName::from_static("x-amzn-errormessage"),
                header::DATE,
            ]));
    Router::new()
        .merge(issuer)
        .merge(user_pools_api)
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .with_state(shared)
}

fn api_router(shared: AppState) -> Router {
    Router::new()
        .fallback(dragons::gateway)
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .with_state(shared)
}

fn http_api_router(shared: AppState) -> Router {
    Router::new()
        .fallback(http_api::gateway)
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .with_state(shared)
}
