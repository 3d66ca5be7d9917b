//! infra/template.yaml, read and checked: cfn-lint clean, the pieces issue 11 names present and
//! wired to each other, the outputs covering every config.json field, and the inline Lambda run
//! with the project's Python against the dragons API's behaviour.

use crate::hosting::{self, CONFIG_KEYS};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Command;

fn template_path() -> PathBuf {
    crate::root().join("infra").join("template.yaml")
}

/// YAML to JSON, CloudFormation's short tags turned into their long forms: `!Ref X` into
/// `{"Ref": X}`, `!GetAtt A.B` into `{"Fn::GetAtt": [A, B]}`, `!Sub`/`!If`/… into `Fn::…`.
fn to_json(yaml: serde_yaml::Value) -> Value {
    use serde_yaml::Value as Y;
    match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => serde_json::to_value(n).unwrap_or(Value::Null),
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Y::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let key = match k {
                        Y::String(s) => s,
                        other => serde_yaml::to_string(&other).unwrap_or_default(),
                    };
                    (key.trim().to_owned(), to_json(v))
                })
                .collect(),
        ),
        Y::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let tag = tag.trim_start_matches('!');
            let value = to_json(tagged.value);
            match tag {
                "Ref" | "Condition" => json!({ tag: value }),
                "GetAtt" => match value {
                    Value::String(s) => {
                        let (resource, attribute) = s.split_once('.').unwrap_or((&s, ""));
                        json!({ "Fn::GetAtt": [resource, attribute] })
                    }
                    other => json!({ "Fn::GetAtt": other }),
                },
                other => json!({ format!("Fn::{other}"): value }),
            }
        }
    }
}

fn template() -> Value {
    let text = std::fs::read_to_string(template_path()).expect("read infra/template.yaml");
    to_json(serde_yaml::from_str(&text).expect("infra/template.yaml is YAML"))
}

fn resources_of_type<'a>(t: &'a Value, kind: &str) -> Vec<(&'a str, &'a Value)> {
    t["Resources"]
        .as_object()
        .expect("Resources")
        .iter()
        .filter(|(_, r)| r["Type"] == kind)
        .map(|(name, r)| (name.as_str(), r))
        .collect()
}

fn only<'a>(t: &'a Value, kind: &str) -> (&'a str, &'a Value) {
    let found = resources_of_type(t, kind);
    assert_eq!(found.len(), 1, "one {kind}: {found:?}");
    found[0]
}

fn reference(name: &str) -> Value {
    json!({ "Ref": name })
}

fn get_att(resource: &str, attribute: &str) -> Value {
    json!({ "Fn::GetAtt": [resource, attribute] })
}

/// A tool `cargo xtask setup` puts into .tools/venv, or a failure saying to run it.
fn venv_tool(path: PathBuf) -> PathBuf {
    assert!(
        path.is_file(),
        "{} is missing: run `cargo xtask setup` (it installs the AWS CLI, cfn-lint and moto into .tools/venv)",
        path.display()
    );
    path
}

/// The allowed request headers the local stack's API answers with (emulator/src/dragons.rs).
fn emulator_allow_headers() -> String {
    let text = std::fs::read_to_string(crate::root().join("emulator/src/dragons.rs"))
        .expect("read emulator/src/dragons.rs");
    let line = text
        .lines()
        .find(|l| l.starts_with("const ALLOW_HEADERS"))
        .expect("emulator/src/dragons.rs has ALLOW_HEADERS");
    line.split('"').nth(1).expect("a string").to_owned()
}

#[test]
fn cfn_lint_finds_nothing() {
    let lint = venv_tool(crate::setup::cfn_lint());
    let out = Command::new(&lint)
        .arg(template_path())
        .output()
        .expect("run cfn-lint");
    assert!(
        out.status.success(),
        "cfn-lint infra/template.yaml ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_template_fits_the_cli_without_an_s3_bucket() {
    // `aws cloudformation deploy --template-file` sends the body inline up to 51,200 bytes.
    let size = std::fs::metadata(template_path()).unwrap().len();
    assert!(size < 51_200, "{size} bytes");
}

#[test]
fn the_user_pool_domain_client_and_branding() {
    let t = template();
    let (pool, _) = only(&t, "AWS::Cognito::UserPool");
    let (_, domain) = only(&t, "AWS::Cognito::UserPoolDomain");
    let d = &domain["Properties"];
    assert_eq!(d["UserPoolId"], reference(pool));
    assert_eq!(
        d["Domain"]["Fn::If"][1],
        reference("DomainPrefix"),
        "the prefix is a parameter"
    );
    assert_eq!(
        d["ManagedLoginVersion"],
        json!({"Fn::If": ["ManagedLogin", 2, 1]})
    );
    assert_eq!(
        t["Conditions"]["ManagedLogin"],
        json!({"Fn::Equals": [{"Ref": "LoginUi"}, "managed"]})
    );
    assert_eq!(
        t["Parameters"]["LoginUi"]["AllowedValues"],
        json!(["classic", "managed"])
    );

    let (client, c) = only(&t, "AWS::Cognito::UserPoolClient");
    let c = &c["Properties"];
    assert_eq!(c["UserPoolId"], reference(pool));
    assert_eq!(c["GenerateSecret"], false, "a public client");
    assert_eq!(c["AllowedOAuthFlowsUserPoolClient"], true);
    assert_eq!(c["AllowedOAuthFlows"], json!(["code", "implicit"]));
    assert_eq!(
        c["AllowedOAuthScopes"],
        json!(["openid", "email", "profile"])
    );
    assert_eq!(
        c["ExplicitAuthFlows"],
        json!([
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_ADMIN_USER_PASSWORD_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH"
        ])
    );
    for urls in ["CallbackURLs", "LogoutURLs"] {
        let plain = &c[urls]["Fn::If"][2];
        assert_eq!(
            plain,
            &json!([
                {"Fn::Sub": "https://${SiteDistribution.DomainName}/"},
                {"Fn::Sub": "https://${SiteDistribution.DomainName}/callback.html"},
                "http://localhost:8080/"
            ]),
            "{urls}: the site, its callback.html and trunk serve"
        );
        let extra = c[urls]["Fn::If"][1]["Fn::Split"][1]["Fn::Sub"]
            .as_str()
            .unwrap();
        assert!(extra.starts_with("https://${SiteDistribution.DomainName}/,https://${SiteDistribution.DomainName}/callback.html,http://localhost:8080/,${ExtraCallbackUrls}"), "{extra}");
    }
    // Rotation: a parameter, off by default.
    let rotation = &t["Parameters"]["RefreshTokenRotation"];
    assert_eq!(rotation["Default"], "disabled");
    assert_eq!(rotation["AllowedValues"], json!(["disabled", "enabled"]));
    assert_eq!(
        c["RefreshTokenRotation"],
        json!({
            "Feature": {"Fn::If": ["RotationEnabled", "ENABLED", "DISABLED"]},
            "RetryGracePeriodSeconds": {"Ref": "RefreshTokenGraceSeconds"}
        })
    );
    assert_eq!(
        t["Conditions"]["RotationEnabled"],
        json!({"Fn::Equals": [{"Ref": "RefreshTokenRotation"}, "enabled"]})
    );
    // Managed login needs a branding style for the client.
    let (_, branding) = only(&t, "AWS::Cognito::ManagedLoginBranding");
    assert_eq!(branding["Condition"], "ManagedLogin");
    assert_eq!(branding["Properties"]["ClientId"], reference(client));
    assert_eq!(branding["Properties"]["UserPoolId"], reference(pool));
    assert_eq!(branding["Properties"]["UseCognitoProvidedValues"], true);
    assert!(t["Rules"]["ManagedLoginNeedsEssentials"].is_object());
}

#[test]
fn the_dragons_api_behind_a_cognito_authorizer_with_cors_everywhere() {
    let t = template();
    let allow_headers = format!("'{}'", emulator_allow_headers());
    assert!(allow_headers.contains("Authorization"));
    let (api, _) = only(&t, "AWS::ApiGateway::RestApi");
    let (resource, r) = only(&t, "AWS::ApiGateway::Resource");
    assert_eq!(r["Properties"]["PathPart"], "dragons");
    assert_eq!(r["Properties"]["ParentId"], get_att(api, "RootResourceId"));

    let (authorizer, a) = only(&t, "AWS::ApiGateway::Authorizer");
    let a = &a["Properties"];
    assert_eq!(a["Type"], "COGNITO_USER_POOLS");
    assert_eq!(a["IdentitySource"], "method.request.header.Authorization");
    assert_eq!(a["ProviderARNs"], json!([get_att("UserPool", "Arn")]));

    let methods = resources_of_type(&t, "AWS::ApiGateway::Method");
    let method = |verb: &str| {
        let found: Vec<_> = methods
            .iter()
            .filter(|(_, m)| m["Properties"]["HttpMethod"] == verb)
            .collect();
        assert_eq!(found.len(), 1, "one {verb}");
        let (name, m) = found[0];
        assert_eq!(m["Properties"]["ResourceId"], reference(resource));
        assert_eq!(m["Properties"]["RestApiId"], reference(api));
        (*name, &m["Properties"])
    };
    let mut method_names = Vec::new();
    for verb in ["GET", "POST"] {
        let (name, m) = method(verb);
        method_names.push(name);
        assert_eq!(m["AuthorizationType"], "COGNITO_USER_POOLS", "{verb}");
        assert_eq!(m["AuthorizerId"], reference(authorizer), "{verb}");
        assert!(
            m.get("AuthorizationScopes").is_none(),
            "{verb}: no scopes, so the ID token"
        );
        assert_eq!(m["Integration"]["Type"], "AWS_PROXY", "{verb}");
        let uri = m["Integration"]["Uri"]["Fn::Sub"].as_str().unwrap();
        assert!(uri.contains("${DragonsFunction.Arn}/invocations"), "{uri}");
    }
    let (options, o) = method("OPTIONS");
    method_names.push(options);
    assert_eq!(
        o["AuthorizationType"], "NONE",
        "preflight is never authorized"
    );
    assert_eq!(o["Integration"]["Type"], "MOCK");
    let answer = &o["Integration"]["IntegrationResponses"][0]["ResponseParameters"];
    assert_eq!(
        answer["method.response.header.Access-Control-Allow-Origin"],
        "'*'"
    );
    assert_eq!(
        answer["method.response.header.Access-Control-Allow-Headers"],
        allow_headers.as_str()
    );
    assert_eq!(
        answer["method.response.header.Access-Control-Allow-Methods"],
        "'GET,POST,OPTIONS'"
    );
    for header in answer.as_object().unwrap().keys() {
        assert_eq!(
            o["MethodResponses"][0]["ResponseParameters"][header], true,
            "{header} declared"
        );
    }

    let responses = resources_of_type(&t, "AWS::ApiGateway::GatewayResponse");
    let mut types: Vec<&str> = responses
        .iter()
        .map(|(_, g)| g["Properties"]["ResponseType"].as_str().unwrap())
        .collect();
    types.sort();
    assert_eq!(types, ["DEFAULT_4XX", "DEFAULT_5XX"]);
    for (name, g) in &responses {
        let p = &g["Properties"];
        assert_eq!(p["RestApiId"], reference(api));
        let h = &p["ResponseParameters"];
        assert_eq!(
            h["gatewayresponse.header.Access-Control-Allow-Origin"], "'*'",
            "{name}"
        );
        assert_eq!(
            h["gatewayresponse.header.Access-Control-Allow-Headers"],
            allow_headers.as_str(),
            "{name}"
        );
        method_names.push(name);
    }

    // The deployment waits for every method and gateway response; the stage serves it.
    let (deployment, d) = only(&t, "AWS::ApiGateway::Deployment");
    let mut depends: Vec<&str> = d["DependsOn"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    depends.sort();
    method_names.sort();
    assert_eq!(depends, method_names);
    let (stage, s) = only(&t, "AWS::ApiGateway::Stage");
    assert_eq!(s["Properties"]["DeploymentId"], reference(deployment));
    assert_eq!(s["Properties"]["StageName"], reference("ApiStageName"));
    assert_eq!(t["Parameters"]["ApiStageName"]["Default"], "test");
    assert!(t["Outputs"]["ApiBaseUrl"]["Value"]["Fn::Sub"]
        .as_str()
        .unwrap()
        .ends_with(&format!(
            "https://${{{api}}}.execute-api.${{AWS::Region}}.amazonaws.com/${{{stage}}}"
        )));

    let (function, f) = only(&t, "AWS::Lambda::Function");
    assert!(f["Properties"]["Runtime"]
        .as_str()
        .unwrap()
        .starts_with("python3"));
    assert!(
        f["Properties"]["Code"]["ZipFile"].is_string(),
        "inline code"
    );
    let (_, permission) = only(&t, "AWS::Lambda::Permission");
    assert_eq!(
        permission["Properties"]["Principal"],
        "apigateway.amazonaws.com"
    );
    assert_eq!(
        permission["Properties"]["FunctionName"],
        get_att(function, "Arn")
    );
}

#[test]
fn the_site_is_private_behind_cloudfront_with_the_checklists_headers() {
    let t = template();
    let (bucket, b) = only(&t, "AWS::S3::Bucket");
    let block = &b["Properties"]["PublicAccessBlockConfiguration"];
    for setting in [
        "BlockPublicAcls",
        "BlockPublicPolicy",
        "IgnorePublicAcls",
        "RestrictPublicBuckets",
    ] {
        assert_eq!(block[setting], true, "{setting}");
    }
    let (oac, o) = only(&t, "AWS::CloudFront::OriginAccessControl");
    let o = &o["Properties"]["OriginAccessControlConfig"];
    assert_eq!(o["OriginAccessControlOriginType"], "s3");
    assert_eq!(o["SigningBehavior"], "always");
    assert_eq!(o["SigningProtocol"], "sigv4");

    let (distribution, d) = only(&t, "AWS::CloudFront::Distribution");
    let d = &d["Properties"]["DistributionConfig"];
    assert_eq!(d["DefaultRootObject"], "index.html");
    let origin = &d["Origins"][0];
    assert_eq!(origin["DomainName"], get_att(bucket, "RegionalDomainName"));
    assert_eq!(origin["OriginAccessControlId"], get_att(oac, "Id"));
    assert_eq!(
        origin["S3OriginConfig"]["OriginAccessIdentity"], "",
        "OAC, not the legacy OAI"
    );
    let behaviour = &d["DefaultCacheBehavior"];
    assert_eq!(behaviour["ViewerProtocolPolicy"], "redirect-to-https");
    assert_eq!(behaviour["Compress"], true);

    let (cache, c) = only(&t, "AWS::CloudFront::CachePolicy");
    let key = &c["Properties"]["CachePolicyConfig"]["ParametersInCacheKeyAndForwardedToOrigin"];
    assert_eq!(key["EnableAcceptEncodingGzip"], true);
    assert_eq!(key["EnableAcceptEncodingBrotli"], true);
    assert_eq!(
        c["Properties"]["CachePolicyConfig"]["MinTTL"], 0,
        "origin no-cache is honoured"
    );
    assert_eq!(behaviour["CachePolicyId"], reference(cache));

    let (headers, h) = only(&t, "AWS::CloudFront::ResponseHeadersPolicy");
    assert_eq!(behaviour["ResponseHeadersPolicyId"], reference(headers));
    let s = &h["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"];
    for (name, header) in s.as_object().unwrap() {
        assert_eq!(
            header["Override"], true,
            "{name} replaces whatever the origin sends"
        );
    }
    assert_eq!(s["FrameOptions"]["FrameOption"], "DENY");
    assert_eq!(s["ReferrerPolicy"]["ReferrerPolicy"], "no-referrer");
    assert!(s["ContentTypeOptions"].is_object(), "nosniff");
    assert!(
        s["StrictTransportSecurity"]["AccessControlMaxAgeSec"]
            .as_u64()
            .unwrap()
            >= 31_536_000
    );
    // The checklist's policy, as the local stack serves it, naming this stack's hosts.
    let csp = &s["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"];
    let policy = csp[0].as_str().unwrap();
    let auth = "${AuthDomain}";
    let issuer = "https://cognito-idp.${AWS::Region}.amazonaws.com";
    let api = "https://${DragonsApi}.execute-api.${AWS::Region}.amazonaws.com";
    assert_eq!(
        policy,
        format!("default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' {auth} {issuer} {api}; img-src 'self' data:; style-src 'self'; base-uri 'none'; form-action 'self' {auth}; object-src 'none'; frame-ancestors 'none'")
    );
    assert_eq!(
        csp[1]["AuthDomain"]["Fn::Sub"][0],
        "https://${Prefix}.auth.${AWS::Region}.amazoncognito.com"
    );
    assert_eq!(
        csp[1]["AuthDomain"]["Fn::Sub"][1]["Prefix"],
        t["Resources"]["UserPoolDomain"]["Properties"]["Domain"],
        "the domain the pool has"
    );
    // The policy CloudFront adds is the one the meta fallback writes, plus frame-ancestors.
    let local = hosting::meta_csp(
        &hosting::parse_config(r#"{"authDomain":"https://p.example.com","issuer":"https://i.example.com/pool","apiBaseUrl":"https://a.example.com/test"}"#).unwrap(),
    )
    .unwrap();
    assert_eq!(
        policy
            .replace(auth, "https://p.example.com")
            .replace(issuer, "https://i.example.com")
            .replace(api, "https://a.example.com"),
        format!("{local}; frame-ancestors 'none'")
    );

    // Only this distribution may read the bucket.
    let (_, p) = only(&t, "AWS::S3::BucketPolicy");
    let allow = &p["Properties"]["PolicyDocument"]["Statement"][0];
    assert_eq!(allow["Effect"], "Allow");
    assert_eq!(allow["Principal"]["Service"], "cloudfront.amazonaws.com");
    assert_eq!(allow["Action"], "s3:GetObject");
    let source = allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
        .as_str()
        .unwrap();
    assert!(
        source.ends_with(&format!(":distribution/${{{distribution}}}")),
        "{source}"
    );
}

#[test]
fn the_outputs_cover_every_config_json_field_and_the_next_steps() {
    // The app's own list of config.json keys (src/config.rs, Field::key) is the one deploy uses.
    let app = std::fs::read_to_string(crate::root().join("src/config.rs")).unwrap();
    let block = app
        .split("pub fn key(self)")
        .nth(1)
        .expect("Field::key in src/config.rs");
    let block = &block[..block.find("\n    }\n").unwrap_or(block.len())];
    let app_keys: Vec<&str> = block
        .lines()
        .filter(|l| l.contains("=> \""))
        .filter_map(|l| l.split('"').nth(1))
        .collect();
    assert_eq!(app_keys, CONFIG_KEYS, "the app's config.json fields");

    let t = template();
    let outputs = t["Outputs"].as_object().unwrap();
    for key in CONFIG_KEYS {
        let name = hosting::output_name(key);
        assert!(
            outputs.contains_key(&name),
            "no output {name} for config.json {key}"
        );
    }
    assert_eq!(outputs["Scopes"]["Value"], "openid email profile");
    assert_eq!(outputs["Flow"]["Value"], "code");
    assert_eq!(
        outputs["ApiToken"]["Value"], "id",
        "the methods have no scopes"
    );
    assert_eq!(
        outputs["Issuer"]["Value"]["Fn::Sub"],
        "https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}"
    );
    let site = json!({"Fn::Sub": "https://${SiteDistribution.DomainName}/"});
    for name in ["RedirectUri", "LogoutUri", "SiteUrl"] {
        assert_eq!(outputs[name]["Value"], site, "{name}");
    }
    for name in [
        "SiteBucket",
        "DistributionId",
        "RestApiId",
        "ApiStage",
        "UserPoolId",
    ] {
        assert!(outputs.contains_key(name), "deploy needs the output {name}");
    }
    let first_user = outputs["CreateFirstUserCommand"]["Value"]["Fn::Sub"]
        .as_str()
        .unwrap();
    for part in [
        "aws cognito-idp admin-create-user",
        "--user-pool-id ${UserPool}",
        "email_verified,Value=true",
        "admin-set-user-password",
        "--permanent",
        "--region ${AWS::Region}",
    ] {
        assert!(first_user.contains(part), "{part} in {first_user}");
    }
    // A stack made from these outputs gives a config.json the app accepts field by field.
    let pairs: Vec<(String, String)> = CONFIG_KEYS
        .iter()
        .map(|k| (hosting::output_name(k), "x".to_owned()))
        .collect();
    let config = hosting::parse_config(&hosting::config_from_outputs(&pairs).unwrap()).unwrap();
    assert_eq!(config.len(), CONFIG_KEYS.len());
}

#[test]
fn every_reference_names_something_the_template_has() {
    let t = template();
    let mut known: Vec<String> = [
        "AWS::Region",
        "AWS::AccountId",
        "AWS::StackName",
        "AWS::Partition",
        "AWS::URLSuffix",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for section in ["Resources", "Parameters"] {
        known.extend(t[section].as_object().unwrap().keys().cloned());
    }
    fn walk(v: &Value, locals: &[String], found: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, inner) in map {
                    match k.as_str() {
                        "Ref" => found.push(inner.as_str().unwrap_or("?").to_owned()),
                        "Fn::GetAtt" => found.push(inner[0].as_str().unwrap_or("?").to_owned()),
                        "Fn::Sub" => {
                            let (text, vars) = match inner {
                                Value::Array(parts) => {
                                    (parts[0].as_str().unwrap_or(""), parts.get(1))
                                }
                                other => (other.as_str().unwrap_or(""), None),
                            };
                            let mut locals = locals.to_vec();
                            if let Some(Value::Object(vars)) = vars {
                                locals.extend(vars.keys().cloned());
                                walk(&Value::Object(vars.clone()), &locals, found);
                            }
                            for piece in text.split("${").skip(1) {
                                let name = piece.split('}').next().unwrap_or("");
                                let name = name.split('.').next().unwrap_or(name);
                                if !locals.iter().any(|l| l == name) {
                                    found.push(name.to_owned());
                                }
                            }
                        }
                        _ => walk(inner, locals, found),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, locals, found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    // The Lambda's source holds Python, not CloudFormation substitutions.
    let mut resources = t["Resources"].clone();
    resources["DragonsFunction"]["Properties"]["Code"] = Value::Null;
    walk(&resources, &[], &mut found);
    walk(&t["Outputs"], &[], &mut found);
    for name in found {
        assert!(
            known.contains(&name),
            "a reference to {name:?}, which the template does not have"
        );
    }
}

/// The inline Lambda, run by Python with API Gateway's proxy events: the same answers as the
/// local stack's dragons API.
#[test]
fn the_inline_lambda_answers_like_the_dragons_api() {
    let t = template();
    let code = t["Resources"]["DragonsFunction"]["Properties"]["Code"]["ZipFile"]
        .as_str()
        .unwrap()
        .to_owned();
    let python = venv_tool(crate::setup::venv().join("bin").join("python"));
    let dir = std::env::temp_dir().join(format!("dragons-lambda-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.py"), code).unwrap();
    let driver = r#"
import base64, json, sys, time
import index

class Context:
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:dragons"

def call(event):
    answer = index.handler(event, Context())
    return {"status": answer["statusCode"], "headers": answer["headers"], "body": json.loads(answer["body"])}

def get(query=None):
    return call({"httpMethod": "GET", "queryStringParameters": query, "headers": {"Authorization": "x"}})

def post(body, content_type="application/json", b64=False):
    text = body if isinstance(body, str) else json.dumps(body)
    if b64:
        text = base64.b64encode(text.encode()).decode()
    return call({"httpMethod": "POST", "headers": {"content-type": content_type}, "body": text, "isBase64Encoded": b64})

dragon = {"dragonName": "Quill", "description": "Writes letters.", "family": "blue", "city": "Oslo",
          "country": "Norway", "reportingPhoneNumber": "15555550100", "confirmationRequired": False}
results = {
    "all": get(),
    "by_name": get({"dragonName": "Atlas"}),
    "by_family": get({"family": "red"}),
    "name_wins": get({"dragonName": "Atlas", "family": "blue"}),
    "unknown": get({"dragonName": "Nobody"}),
    "posted": post(dragon),
    "not_yet": get({"dragonName": "Quill"}),
}
time.sleep(0.4)
results["later"] = get({"dragonName": "Quill"})
results["b64"] = post(dict(dragon, dragonName="Quill2"), b64=True)
results["bad"] = [
    post(dragon, content_type="text/plain")["status"],
    post("{not json")["status"],
    post(dict(dragon, colour="red"))["status"],
    post(dict(dragon, city=" "))["status"],
    post({k: v for k, v in dragon.items() if k != "family"})["status"],
    post(dict(dragon, confirmationRequired="yes"))["status"],
    post(dict(dragon, description="x" * 1025))["status"],
    post([dragon])["status"],
]
results["delete"] = call({"httpMethod": "DELETE"})["status"]
json.dump(results, sys.stdout)
"#;
    let out = Command::new(&python)
        .args(["-c", driver])
        .current_dir(&dir)
        .env("POST_VISIBLE_AFTER_SECONDS", "0.3")
        .output()
        .expect("run the Lambda with Python");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "the Lambda failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names = |v: &Value| -> Vec<String> {
        v["body"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["dragon_name_str"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names(&r["all"]),
        [
            "Atlas",
            "Bahamethut",
            "Blaze",
            "Cassidy",
            "Cirrus",
            "Ember",
            "Frost",
            "Goldie",
            "Nimbus",
            "Obsidian",
            "Sage",
            "Zephyr"
        ]
    );
    // The same seeded dragons as the local stack, row for row: the string literals of
    // emulator/src/dragons.rs's seed(), seven to a dragon, in the course's field order.
    let emulator = std::fs::read_to_string(crate::root().join("emulator/src/dragons.rs")).unwrap();
    let seed = emulator
        .split("pub fn seed()")
        .nth(1)
        .expect("seed() in emulator/src/dragons.rs");
    let literals: Vec<&str> = seed.split('"').skip(1).step_by(2).collect();
    let fields = [
        "dragon_name_str",
        "family_str",
        "description_str",
        "location_city_str",
        "location_country_str",
        "location_state_str",
        "location_neighborhood_str",
    ];
    let rows: Vec<Value> = literals
        .chunks(7)
        .map(|row| {
            Value::Object(
                fields
                    .iter()
                    .zip(row)
                    .map(|(f, v)| (f.to_string(), json!(v)))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        &r["all"]["body"],
        &Value::Array(rows),
        "the emulator's seed"
    );
    assert_eq!(names(&r["by_name"]), ["Atlas"]);
    assert_eq!(names(&r["by_family"]), ["Atlas", "Blaze", "Ember"]);
    assert_eq!(
        names(&r["name_wins"]),
        ["Atlas"],
        "dragonName before family, as the emulator"
    );
    assert_eq!(names(&r["unknown"]), Vec::<String>::new());
    assert_eq!(r["posted"]["status"], 200);
    let arn = r["posted"]["body"]["executionArn"].as_str().unwrap();
    assert!(
        arn.starts_with("arn:aws:states:eu-west-1:123456789012:execution:DragonsStateMachine:"),
        "{arn}"
    );
    assert!(r["posted"]["body"]["startDate"].is_number());
    assert_eq!(
        names(&r["not_yet"]),
        Vec::<String>::new(),
        "the background job has not run yet"
    );
    assert_eq!(names(&r["later"]), ["Quill"]);
    assert_eq!(r["later"]["body"][0]["location_city_str"], "Oslo");
    assert_eq!(r["later"]["body"][0]["location_state_str"], "");
    assert_eq!(r["b64"]["status"], 200);
    assert_eq!(r["bad"], json!([400, 400, 400, 400, 400, 400, 400, 400]));
    assert_eq!(r["delete"], 405);
    // Every answer carries the CORS headers the local stack's integration sends.
    for name in ["all", "posted", "later"] {
        let h = &r[name]["headers"];
        assert_eq!(h["Access-Control-Allow-Origin"], "*");
        assert_eq!(h["Access-Control-Allow-Headers"], emulator_allow_headers());
        assert_eq!(h["Access-Control-Allow-Methods"], "GET,POST,OPTIONS");
        assert_eq!(h["Content-Type"], "application/json");
    }
}
