//! The stack's settings: ports, the user pool, its app client, token lifetimes, users and the
//! API's gateway behaviour. Read from a TOML file (every field optional) and command-line flags;
//! the defaults match the SPA's shipped `config.json`, so the app works against it as it is.

use serde::Deserialize;
use std::path::PathBuf;

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StackConfig {
    /// Loopback ports: the site, the Hosted UI (auth domain), the issuer (cognito-idp), the API.
    /// 0 picks a free port (tests do this).
    pub site_port: u16,
    pub auth_port: u16,
    pub idp_port: u16,
    pub api_port: u16,
    /// The HTTP API (JWT authorizer), on its own origin as an API's own host.
    pub http_api_port: u16,
    /// Host name used in the URLs the stack prints and puts in tokens.
    pub host: String,
    /// The built SPA to serve; none = no site server.
    pub site_dir: Option<PathBuf>,
    /// Serve a `config.json` describing this stack (its real ports) instead of the site's own
    /// file: for tests on free ports. The site's own file is served otherwise.
    pub site_config_from_stack: bool,
    /// Send the Content-Security-Policy of shared/security-checklist.md with the site, as a
    /// CloudFront response-headers policy would; violations are reported to /csp-report.
    pub site_csp: bool,
    /// The domain's `ManagedLoginVersion`: false = 1, the classic Hosted UI (what the workshop
    /// pools use, and the default); true = 2, managed login. Only managed login acts on
    /// `prompt` (`none` without a session gives `error=login_required`, `login` always shows
    /// the login page); the classic Hosted UI ignores it.
    pub managed_login: bool,
    pub region: String,
    pub pool_id: String,
    pub client: ClientConfig,
    pub tokens: TokenConfig,
    pub api: ApiConfig,
    /// The HTTP API with a JWT authorizer (`http://localhost:9003/dragons`).
    pub http_api: HttpApiConfig,
    /// Resource servers and their custom scopes (`dragons` with `read` and `write`).
    pub resource_servers: Vec<ResourceServerConfig>,
    /// The pool's pre-token-generation trigger (V2_0), as the workshop would write it.
    pub pre_token_generation: PreTokenGenerationConfig,
    /// The identity pool (Cognito Identity) with this user pool as its provider.
    pub identity_pool: IdentityPoolConfig,
    /// The stage of the dragons API whose methods use `AWS_IAM` (SigV4 with the identity
    /// pool's credentials), beside the Cognito-authorized stage on the same origin.
    pub iam_api_stage: String,
    /// Keep signing keys here (PEM); created on first use. None = fresh keys every start.
    pub key_file: Option<PathBuf>,
    pub users: Vec<UserConfig>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClientConfig {
    pub client_id: String,
    pub callback_urls: Vec<String>,
    pub logout_urls: Vec<String>,
    /// "code" and/or "implicit".
    pub allowed_flows: Vec<String>,
    pub allowed_scopes: Vec<String>,
    /// Refresh-token rotation (`RefreshTokenRotation`): None = off, the AWS default (refresh
    /// answers carry no refresh token). Some(grace) = on: every refresh answer carries a new
    /// refresh token, and the one presented keeps working for `grace` seconds (0 to 60,
    /// `RetryGracePeriodSeconds`) after it was first rotated, then `invalid_grant`.
    pub refresh_token_rotation_grace_seconds: Option<u64>,
    /// The app client's `ExplicitAuthFlows` for the user pools API: any of
    /// `ALLOW_USER_PASSWORD_AUTH` (`InitiateAuth` with `USER_PASSWORD_AUTH`),
    /// `ALLOW_ADMIN_USER_PASSWORD_AUTH` (`AdminInitiateAuth` with `ADMIN_USER_PASSWORD_AUTH`
    /// or its old name `ADMIN_NO_SRP_AUTH`) and `ALLOW_REFRESH_TOKEN_AUTH`
    /// (`REFRESH_TOKEN_AUTH`). A flow left out answers `InvalidParameterException`.
    pub explicit_auth_flows: Vec<String>,
}

/// The `ExplicitAuthFlows` values the local stack implements.
pub const EXPLICIT_AUTH_FLOWS: [&str; 3] = [
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
];

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TokenConfig {
    pub id_token_seconds: u64,
    pub access_token_seconds: u64,
    pub refresh_token_seconds: u64,
    /// How long a Hosted UI session (cookie) lasts.
    pub session_seconds: u64,
    /// How long an authorization code may wait to be exchanged.
    pub code_seconds: u64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiConfig {
    /// The stage name, the first path segment (`/test/dragons`).
    pub stage: String,
    /// Whether gateway-made 4XX/5XX answers carry CORS headers (API Gateway "gateway
    /// responses" DEFAULT_4XX/DEFAULT_5XX set up). Off shows the classic 401-seen-as-CORS-error.
    pub cors_on_gateway_errors: bool,
    /// OAuth scopes on GET /dragons; empty = the method expects an ID token.
    pub get_scopes: Vec<String>,
    /// OAuth scopes on POST /dragons; empty = the method expects an ID token.
    pub post_scopes: Vec<String>,
    /// How long after a POST the dragon shows in GET (the background job).
    pub post_visible_after_ms: u64,
}

/// An identity pool: the user pool's app client as its provider, a role for signed-in users and
/// one for guests, and how long the credentials it hands out live.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdentityPoolConfig {
    /// `<region>:<uuid>`, as AWS names them.
    pub identity_pool_id: String,
    /// Guests (no `Logins`) get an identity and the unauthenticated role.
    pub allow_unauthenticated: bool,
    /// None = no role for that kind: `InvalidIdentityPoolConfigurationException`.
    pub authenticated_role_arn: Option<String>,
    pub unauthenticated_role_arn: Option<String>,
    /// Lifetime of the temporary credentials (one hour on AWS).
    pub credentials_seconds: u64,
}

impl Default for IdentityPoolConfig {
    fn default() -> Self {
        IdentityPoolConfig {
            identity_pool_id: IDENTITY_POOL_ID.into(),
            allow_unauthenticated: true,
            authenticated_role_arn: Some(format!(
                "arn:aws:iam::{ACCOUNT_ID}:role/dragons-authenticated"
            )),
            unauthenticated_role_arn: Some(format!(
                "arn:aws:iam::{ACCOUNT_ID}:role/dragons-unauthenticated"
            )),
            credentials_seconds: 3600,
        }
    }
}

/// The local stack's identity pool, and the account its ARNs name.
pub const IDENTITY_POOL_ID: &str = "us-east-1:0d5e8a52-1c4b-4f8e-9a11-d7a60c0de001";
pub const ACCOUNT_ID: &str = "123456789012";

/// An HTTP API (API Gateway v2) with a JWT authorizer: `JwtConfiguration{Issuer, Audience}`
/// with the pool as issuer, identity source `$request.header.Authorization`.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpApiConfig {
    /// `Audience`: a token passes when its `aud` (or, without `aud`, its `client_id`) is one of
    /// these. Empty = the app client's id, so both Cognito tokens pass an unscoped route.
    pub audience: Vec<String>,
    /// Authorization scopes of `GET /dragons`; empty = any valid token.
    pub get_scopes: Vec<String>,
    /// Authorization scopes of `POST /dragons` (`dragons/write` by default).
    pub post_scopes: Vec<String>,
    /// The API's CORS configuration (`CorsConfiguration`): it answers preflights itself and is
    /// on every answer, the authorizer's 401/403 included. false = no CORS configuration.
    pub cors: bool,
}

/// A resource server (`AWS::Cognito::UserPoolResourceServer`): its scopes are
/// `<identifier>/<scope>`.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResourceServerConfig {
    pub identifier: String,
    pub name: String,
    pub scopes: Vec<String>,
}

/// What the pool's pre-token-generation trigger (event version V2_0) does: for each group, the
/// scopes only its members keep; everyone else has them suppressed from the access token
/// (`claimsAndScopeOverrideDetails.accessTokenGeneration.scopesToSuppress`).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PreTokenGenerationConfig {
    /// false = no trigger: every scope asked for and allowed is granted.
    pub enabled: bool,
    /// `group = [scopes only its members get]`.
    pub group_scopes: std::collections::BTreeMap<String, Vec<String>>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UserConfig {
    pub username: String,
    pub password: String,
    pub email: String,
    pub groups: Vec<String>,
    /// Extra attributes, e.g. `"custom:team" = "red"` or `name = "…"`.
    pub attributes: std::collections::BTreeMap<String, String>,
}

impl Default for StackConfig {
    fn default() -> Self {
        StackConfig {
            site_port: 8080,
            auth_port: 9000,
            idp_port: 9001,
            api_port: 9002,
            http_api_port: 9003,
            host: "localhost".into(),
            site_dir: None,
            site_config_from_stack: false,
            site_csp: true,
            managed_login: false,
            region: "us-east-1".into(),
            pool_id: "us-east-1_DRAGONS01".into(),
            client: ClientConfig::default(),
            tokens: TokenConfig::default(),
            api: ApiConfig::default(),
            http_api: HttpApiConfig::default(),
            resource_servers: vec![ResourceServerConfig::default()],
            pre_token_generation: PreTokenGenerationConfig::default(),
            identity_pool: IdentityPoolConfig::default(),
            iam_api_stage: "iam".into(),
            key_file: None,
            users: vec![UserConfig::default(), UserConfig::keeper()],
        }
    }
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            client_id: "dragonsdemo0localclient001".into(),
            callback_urls: vec!["http://localhost:8080/".into()],
            logout_urls: vec!["http://localhost:8080/".into()],
            allowed_flows: vec!["code".into(), "implicit".into()],
            allowed_scopes: vec![
                "openid".into(),
                "email".into(),
                "phone".into(),
                "profile".into(),
                "aws.cognito.signin.user.admin".into(),
                "dragons/read".into(),
                "dragons/write".into(),
            ],
            refresh_token_rotation_grace_seconds: None,
            // What the workshop's command-line sessions need: sign-up + initiate-auth,
            // admin-initiate-auth, and refreshing either.
            explicit_auth_flows: EXPLICIT_AUTH_FLOWS.map(str::to_owned).to_vec(),
        }
    }
}

impl Default for TokenConfig {
    fn default() -> Self {
        TokenConfig {
            id_token_seconds: 3600,
            access_token_seconds: 3600,
            refresh_token_seconds: 30 * 24 * 3600,
            session_seconds: 3600,
            code_seconds: 300,
        }
    }
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            stage: "test".into(),
            cors_on_gateway_errors: true,
            get_scopes: vec![],
            // The workshop's lesson: GET for anyone signed in (ID token), POST only with the
            // access token of someone who may report dragons.
            post_scopes: vec![WRITE_SCOPE.into()],
            post_visible_after_ms: 2000,
        }
    }
}

impl Default for HttpApiConfig {
    fn default() -> Self {
        HttpApiConfig {
            audience: vec![],
            get_scopes: vec![],
            post_scopes: vec![WRITE_SCOPE.into()],
            cors: true,
        }
    }
}

impl Default for ResourceServerConfig {
    fn default() -> Self {
        ResourceServerConfig {
            identifier: "dragons".into(),
            name: "Dragons API".into(),
            scopes: vec!["read".into(), "write".into()],
        }
    }
}

impl Default for PreTokenGenerationConfig {
    fn default() -> Self {
        PreTokenGenerationConfig {
            enabled: true,
            group_scopes: [(KEEPERS_GROUP.to_owned(), vec![WRITE_SCOPE.to_owned()])].into(),
        }
    }
}

impl PreTokenGenerationConfig {
    /// The scopes the trigger suppresses for a member of `groups`.
    pub fn suppressed_for(&self, groups: &[String]) -> Vec<String> {
        if !self.enabled {
            return vec![];
        }
        let mut out: Vec<String> = Vec::new();
        for (group, scopes) in &self.group_scopes {
            if groups.contains(group) {
                continue;
            }
            for scope in scopes {
                // A scope another of the user's groups grants stays.
                let granted_elsewhere = self
                    .group_scopes
                    .iter()
                    .any(|(g, s)| groups.contains(g) && s.contains(scope));
                if !granted_elsewhere && !out.contains(scope) {
                    out.push(scope.clone());
                }
            }
        }
        out
    }
}

impl Default for UserConfig {
    fn default() -> Self {
        UserConfig {
            username: DEMO_USERNAME.into(),
            password: DEMO_PASSWORD.into(),
            email: "rider@dragons.example".into(),
            groups: vec!["riders".into()],
            attributes: [("name".to_owned(), "Demo Rider".to_owned())].into(),
        }
    }
}

impl UserConfig {
    /// The second demo user: a member of `dragon-keepers`, who gets `dragons/write`.
    pub fn keeper() -> Self {
        UserConfig {
            username: KEEPER_USERNAME.into(),
            password: DEMO_PASSWORD.into(),
            email: "keeper@dragons.example".into(),
            groups: vec![KEEPERS_GROUP.into()],
            attributes: [("name".to_owned(), "Demo Keeper".to_owned())].into(),
        }
    }
}

pub const DEMO_USERNAME: &str = "dragonrider";
pub const KEEPER_USERNAME: &str = "dragonkeeper";
pub const DEMO_PASSWORD: &str = "Dragons-Demo-1";
/// The group whose members may report dragons.
pub const KEEPERS_GROUP: &str = "dragon-keepers";
/// The scope `POST /dragons` asks for.
pub const WRITE_SCOPE: &str = "dragons/write";

/// The longest `RetryGracePeriodSeconds` Cognito accepts.
pub const MAX_ROTATION_GRACE_SECONDS: u64 = 60;

impl StackConfig {
    pub fn from_toml(text: &str) -> Result<StackConfig, String> {
        let config: StackConfig =
            toml::from_str(text).map_err(|e| format!("the stack's TOML config is invalid: {e}"))?;
        config.validate()?;
        Ok(config)
    }

    /// Every custom scope the resource servers define, `<identifier>/<scope>`.
    pub fn custom_scopes(&self) -> Vec<String> {
        self.resource_servers
            .iter()
            .flat_map(|rs| rs.scopes.iter().map(|s| format!("{}/{s}", rs.identifier)))
            .collect()
    }

    /// The checks Cognito makes on an app client's settings (`Stack::start` runs them too).
    pub fn validate(&self) -> Result<(), String> {
        if let Some(grace) = self.client.refresh_token_rotation_grace_seconds {
            if grace > MAX_ROTATION_GRACE_SECONDS {
                return Err(format!(
                    "client.refresh_token_rotation_grace_seconds is {grace}; Cognito allows 0 to {MAX_ROTATION_GRACE_SECONDS}"
                ));
            }
        }
        // Cognito refuses an app client scope that no resource server defines.
        for scope in &self.client.allowed_scopes {
            if scope.contains('/') && !self.custom_scopes().contains(scope) {
                return Err(format!(
                    "client.allowed_scopes has {scope:?}, which no resource server defines (resource_servers: {})",
                    self.custom_scopes().join(", ")
                ));
            }
        }
        if let Some(flow) = self
            .client
            .explicit_auth_flows
            .iter()
            .find(|f| !EXPLICIT_AUTH_FLOWS.contains(&f.as_str()))
        {
            return Err(format!(
                "client.explicit_auth_flows has {flow:?}; the local stack implements {}",
                EXPLICIT_AUTH_FLOWS.join(", ")
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_file_parses_and_states_the_defaults() {
        let c = StackConfig::from_toml(include_str!("../stack.example.toml")).unwrap();
        let d = StackConfig::default();
        assert_eq!(
            (c.site_port, c.auth_port, c.idp_port, c.api_port),
            (d.site_port, d.auth_port, d.idp_port, d.api_port)
        );
        assert_eq!(c.client.client_id, d.client.client_id);
        assert_eq!(c.client.callback_urls, d.client.callback_urls);
        assert_eq!(c.tokens.access_token_seconds, d.tokens.access_token_seconds);
        assert_eq!(c.managed_login, d.managed_login);
        assert_eq!(
            c.client.refresh_token_rotation_grace_seconds,
            d.client.refresh_token_rotation_grace_seconds
        );
        assert_eq!(c.client.explicit_auth_flows, d.client.explicit_auth_flows);
        assert_eq!(c.users[0].username, DEMO_USERNAME);
        assert_eq!(c.users[1].username, d.users[1].username);
        assert_eq!(c.users[1].groups, d.users[1].groups);
        assert_eq!(c.http_api_port, d.http_api_port);
        assert_eq!(c.iam_api_stage, d.iam_api_stage);
        assert_eq!(c.client.allowed_scopes, d.client.allowed_scopes);
        assert_eq!(c.api.post_scopes, d.api.post_scopes);
        assert_eq!(c.http_api.post_scopes, d.http_api.post_scopes);
        assert_eq!(c.custom_scopes(), d.custom_scopes());
        let (ci, di) = (&c.identity_pool, &d.identity_pool);
        assert_eq!(ci.identity_pool_id, di.identity_pool_id);
        assert_eq!(ci.allow_unauthenticated, di.allow_unauthenticated);
        assert_eq!(ci.authenticated_role_arn, di.authenticated_role_arn);
        assert_eq!(ci.unauthenticated_role_arn, di.unauthenticated_role_arn);
        assert_eq!(ci.credentials_seconds, di.credentials_seconds);
        assert_eq!(
            c.pre_token_generation.group_scopes,
            d.pre_token_generation.group_scopes
        );
        assert_eq!(
            c.users[2].attributes["custom:team"],
            "<script>alert(2)</script>"
        );
    }

    #[test]
    fn the_defaults_match_the_spas_shipped_config() {
        let spa: serde_json::Value =
            serde_json::from_str(include_str!("../../public/config.json")).unwrap();
        let d = StackConfig::default();
        assert_eq!(spa["clientId"], d.client.client_id.as_str());
        assert_eq!(
            spa["authDomain"],
            format!("http://localhost:{}", d.auth_port).as_str()
        );
        assert_eq!(
            spa["issuer"],
            format!("http://localhost:{}/{}", d.idp_port, d.pool_id).as_str()
        );
        assert_eq!(
            spa["apiBaseUrl"],
            format!("http://localhost:{}/{}", d.api_port, d.api.stage).as_str()
        );
        assert_eq!(
            spa["httpApiBaseUrl"],
            format!("http://localhost:{}", d.http_api_port).as_str()
        );
        assert_eq!(
            spa["iamApiBaseUrl"],
            format!("http://localhost:{}/{}", d.api_port, d.iam_api_stage).as_str()
        );
        assert_eq!(
            spa["identityPoolId"],
            d.identity_pool.identity_pool_id.as_str()
        );
        // The app asks for the custom scopes, and the client allows each scope it asks for.
        for scope in spa["scopes"].as_array().unwrap() {
            assert!(
                d.client
                    .allowed_scopes
                    .contains(&scope.as_str().unwrap().to_owned()),
                "{scope}"
            );
        }
        assert!(spa["scopes"]
            .as_array()
            .unwrap()
            .contains(&WRITE_SCOPE.into()));
        assert!(d
            .client
            .callback_urls
            .contains(&format!("http://localhost:{}/", d.site_port)));
    }

    #[test]
    fn the_trigger_suppresses_a_groups_scopes_for_everyone_else() {
        let mut p = PreTokenGenerationConfig::default();
        assert_eq!(p.suppressed_for(&[]), [WRITE_SCOPE]);
        assert_eq!(p.suppressed_for(&["riders".into()]), [WRITE_SCOPE]);
        assert!(p.suppressed_for(&[KEEPERS_GROUP.into()]).is_empty());
        // Another group granting the same scope keeps it.
        p.group_scopes.insert(
            "admins".into(),
            vec![WRITE_SCOPE.into(), "dragons/read".into()],
        );
        assert_eq!(p.suppressed_for(&["admins".into()]), Vec::<String>::new());
        assert_eq!(p.suppressed_for(&[KEEPERS_GROUP.into()]), ["dragons/read"]);
        p.enabled = false;
        assert!(p.suppressed_for(&[]).is_empty());
    }

    #[test]
    fn a_partial_file_keeps_the_other_defaults_and_typos_are_errors() {
        let c = StackConfig::from_toml("api_port = 9999\n[tokens]\naccess_token_seconds = 60\n")
            .unwrap();
        assert_eq!(c.api_port, 9999);
        assert_eq!(c.auth_port, 9000);
        assert_eq!(c.tokens.access_token_seconds, 60);
        assert_eq!(c.tokens.id_token_seconds, 3600);
        let e = StackConfig::from_toml("api_prot = 1").unwrap_err();
        assert!(e.contains("api_prot"), "{e}");
    }

    #[test]
    fn rotation_is_off_and_login_classic_by_default_and_the_grace_is_0_to_60() {
        let d = StackConfig::default();
        assert_eq!(d.client.refresh_token_rotation_grace_seconds, None);
        assert!(!d.managed_login);
        let c = StackConfig::from_toml(
            "managed_login = true\n[client]\nrefresh_token_rotation_grace_seconds = 60\n",
        )
        .unwrap();
        assert_eq!(c.client.refresh_token_rotation_grace_seconds, Some(60));
        assert!(c.managed_login);
        assert_eq!(
            c.client.client_id, d.client.client_id,
            "other defaults kept"
        );
        let e = StackConfig::from_toml("[client]\nrefresh_token_rotation_grace_seconds = 61\n")
            .unwrap_err();
        assert!(e.contains("0 to 60"), "{e}");
        let e = StackConfig::from_toml("[client]\nrefresh_token_rotation_grace_seconds = -1\n")
            .unwrap_err();
        assert!(e.contains("refresh_token_rotation_grace_seconds"), "{e}");
    }

    #[test]
    fn explicit_auth_flows_default_to_the_workshops_and_unknown_ones_are_refused() {
        let d = StackConfig::default();
        assert_eq!(d.client.explicit_auth_flows, EXPLICIT_AUTH_FLOWS);
        let c = StackConfig::from_toml(
            "[client]\nexplicit_auth_flows = [\"ALLOW_ADMIN_USER_PASSWORD_AUTH\"]\n",
        )
        .unwrap();
        assert_eq!(
            c.client.explicit_auth_flows,
            ["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
        );
        let e =
            StackConfig::from_toml("[client]\nexplicit_auth_flows = [\"ALLOW_USER_SRP_AUTH\"]\n")
                .unwrap_err();
        assert!(e.contains("ALLOW_USER_SRP_AUTH"), "{e}");
    }
}
