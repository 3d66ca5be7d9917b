use clap::Parser;
use dragons_emulator::config::StackConfig;
use dragons_emulator::Stack;
use std::path::PathBuf;
use std::process::ExitCode;

/// The local stack: a stand-in for the Cognito Hosted UI, its OAuth endpoints and JWKS, and the
/// dragons API behind a Cognito authorizer, plus S3-like hosting of the built SPA. Loopback only.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// A TOML file with any of the settings (see emulator/README.md); flags override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The built site to serve (Trunk's output).
    #[arg(long)]
    site_dir: Option<PathBuf>,
    #[arg(long)]
    site_port: Option<u16>,
    #[arg(long)]
    auth_port: Option<u16>,
    #[arg(long)]
    idp_port: Option<u16>,
    #[arg(long)]
    api_port: Option<u16>,
    /// The HTTP API with the JWT authorizer (default 9003).
    #[arg(long)]
    http_api_port: Option<u16>,
    /// Keep the signing keys in this file, so tokens stay valid across restarts.
    #[arg(long)]
    key_file: Option<PathBuf>,
    /// Lifetime of ID and access tokens, in seconds (short ones make expiry demos possible).
    #[arg(long)]
    token_lifetime: Option<u64>,
    /// Gateway 401/403 answers without CORS headers, as an API without "gateway responses".
    #[arg(long)]
    no_gateway_cors: bool,
    /// Serve the site without its Content-Security-Policy (which allows only this stack's
    /// origins: turn it off to host a dist/ whose config.json points at a real user pool).
    #[arg(long)]
    no_site_csp: bool,
    /// Turn on refresh-token rotation for the app client, with this grace period (0 to 60 s):
    /// every refresh answer then carries a new refresh token and the old one stops working
    /// that long after it was first rotated. Off by default, as in AWS.
    #[arg(long, value_name = "GRACE_SECONDS", value_parser = clap::value_parser!(u64).range(0..=60))]
    refresh_token_rotation: Option<u64>,
    /// Behave as a domain with managed login (ManagedLoginVersion 2): `prompt=none` and
    /// `prompt=login` take effect. Default: the classic Hosted UI, which ignores `prompt`.
    #[arg(long)]
    managed_login: bool,
    /// No pre-token-generation trigger: every user who asks for dragons/write gets it (as a
    /// pool on the Lite feature plan, which cannot customise access tokens).
    #[arg(long)]
    no_pre_token_generation: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let mut config = match &args.config {
        Some(path) => match std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
            .and_then(|text| StackConfig::from_toml(&text))
        {
            Ok(c) => c,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        },
        None => StackConfig::default(),
    };
    if let Some(dir) = args.site_dir {
        if !dir.join("index.html").is_file() {
            eprintln!(
                "error: {} has no index.html; build the site first (cargo xtask build)",
                dir.display()
            );
            return ExitCode::FAILURE;
        }
        config.site_dir = Some(dir);
    }
    config.site_port = args.site_port.unwrap_or(config.site_port);
    config.auth_port = args.auth_port.unwrap_or(config.auth_port);
    config.idp_port = args.idp_port.unwrap_or(config.idp_port);
    config.api_port = args.api_port.unwrap_or(config.api_port);
    config.http_api_port = args.http_api_port.unwrap_or(config.http_api_port);
    if args.key_file.is_some() {
        config.key_file = args.key_file;
    }
    if let Some(secs) = args.token_lifetime {
        config.tokens.id_token_seconds = secs;
        config.tokens.access_token_seconds = secs;
    }
    if args.no_gateway_cors {
        config.api.cors_on_gateway_errors = false;
    }
    if args.no_site_csp {
        config.site_csp = false;
    }
    if args.refresh_token_rotation.is_some() {
        config.client.refresh_token_rotation_grace_seconds = args.refresh_token_rotation;
    }
    if args.managed_login {
        config.managed_login = true;
    }
    if args.no_pre_token_generation {
        config.pre_token_generation.enabled = false;
    }

    let stack = match Stack::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    print_banner(&stack);
    let _ = tokio::signal::ctrl_c().await;
    println!("Stopping.");
    stack.stop().await;
    ExitCode::SUCCESS
}

fn print_banner(stack: &Stack) {
    let urls = stack.urls();
    let c = &stack.shared.config;
    println!();
    if let Some(site) = &urls.site {
        println!("  Open the app:   {site}");
    }
    println!();
    for u in &c.users {
        let groups = if u.groups.is_empty() {
            String::new()
        } else {
            format!("   (groups: {})", u.groups.join(", "))
        };
        println!(
            "  Sign in as:     {}  /  {}{groups}",
            u.username, u.password
        );
    }
    println!();
    println!("  Hosted UI       {}", urls.auth);
    println!("  Issuer          {}", urls.issuer);
    println!(
        "  User pools API  {}  (aws cognito-idp --endpoint-url {} --region {}; pool {})",
        urls.idp, urls.idp, c.region, c.pool_id
    );
    println!(
        "  Identity pool   {}  (aws cognito-identity --endpoint-url {}; Logins key {})",
        c.identity_pool.identity_pool_id,
        urls.idp,
        dragons_emulator::identity::provider_name(&stack.shared)
    );
    println!(
        "  Dragons API     {}/dragons  (REST API, Cognito authorizer: GET {}, POST {})",
        urls.api,
        scopes_or_id(&c.api.get_scopes),
        scopes_or_id(&c.api.post_scopes)
    );
    println!(
        "  IAM API         {}/{}/dragons  (AWS_IAM: SigV4 with the identity pool's credentials; guests may only GET)",
        urls.api.rsplit_once('/').map_or(urls.api.as_str(), |(origin, _)| origin),
        c.iam_api_stage
    );
    println!(
        "  HTTP API        {}/dragons  (JWT authorizer: GET {}, POST {})",
        urls.http_api,
        scopes_or_any(&c.http_api.get_scopes),
        scopes_or_any(&c.http_api.post_scopes)
    );
    println!("  App client      {}", c.client.client_id);
    println!("  Callback URLs   {}", c.client.callback_urls.join(", "));
    println!("  Sign-out URLs   {}", c.client.logout_urls.join(", "));
    println!(
        "  Flows, scopes   {} | {}",
        c.client.allowed_flows.join(", "),
        c.client.allowed_scopes.join(" ")
    );
    println!(
        "  Scope trigger   {}",
        if c.pre_token_generation.enabled && !c.pre_token_generation.group_scopes.is_empty() {
            c.pre_token_generation
                .group_scopes
                .iter()
                .map(|(g, s)| format!("{} only for group {g}", s.join(" ")))
                .collect::<Vec<_>>()
                .join("; ")
        } else {
            "off (every scope asked for and allowed is granted)".to_owned()
        }
    );
    println!(
        "  API auth flows  {}",
        c.client.explicit_auth_flows.join(", ")
    );
    println!(
        "  Token lifetime  ID {} s, access {} s; code {} s; Hosted UI session {} s",
        c.tokens.id_token_seconds,
        c.tokens.access_token_seconds,
        c.tokens.code_seconds,
        c.tokens.session_seconds
    );
    println!(
        "  Refresh tokens  {}",
        match c.client.refresh_token_rotation_grace_seconds {
            None => "not rotated (refresh answers carry none; the default)".to_owned(),
            Some(grace) => format!(
                "rotated on every refresh; the old one works {grace} s after its first rotation"
            ),
        }
    );
    println!(
        "  Hosted UI kind  {}",
        if c.managed_login {
            "managed login (prompt=none and prompt=login act)"
        } else {
            "classic (prompt and lang ignored)"
        }
    );
    println!(
        "  Gateway 4XX     {}",
        if c.api.cors_on_gateway_errors {
            "with CORS headers (gateway responses set)"
        } else {
            "WITHOUT CORS headers (browsers see 401 as a CORS error)"
        }
    );
    println!(
        "  Site CSP        {}",
        if c.site_csp {
            "enforced (violations reported here)"
        } else {
            "off"
        }
    );
    println!(
        "  Signing keys    {}",
        c.key_file
            .as_ref()
            .map_or("fresh for this run".to_owned(), |p| format!(
                "kept in {}",
                p.display()
            ))
    );
    println!("\n  Sign-up confirmation codes are printed here. Press Ctrl-C to stop.\n");
}

fn scopes_or_id(scopes: &[String]) -> String {
    if scopes.is_empty() {
        "ID token".to_owned()
    } else {
        format!("access token with {}", scopes.join(" or "))
    }
}

fn scopes_or_any(scopes: &[String]) -> String {
    if scopes.is_empty() {
        "either token".to_owned()
    } else {
        format!("a token with {}", scopes.join(" or "))
    }
}
