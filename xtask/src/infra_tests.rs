//! infra/template.yaml, read and checked: cfn-lint clean, the pieces issue 11 names present and
//! wired to each other (and issue 26's: the dragons scopes, the scoped POST, the dragon-keepers
//! group and its optional trigger, the HTTP API's JWT authorizer; and issue 27's: the identity
//! pool, its two roles and what each may invoke, the REST API behind AWS_IAM), the outputs
//! covering every config.json field, and the inline Lambdas run with the project's Python
//! against the dragons API's behaviour and Cognito's trigger events.

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

/// The inline source of a Lambda function in the template.
fn inline_code(t: &Value, function: &str) -> String {
    t["Resources"][function]["Properties"]["Code"]["ZipFile"]
        .as_str()
        .unwrap_or_else(|| panic!("{function} has inline code"))
        .to_owned()
}

/// Runs `driver` (Python that imports `index`, the function's source, and prints JSON) with the
/// venv's Python, in a scratch directory; its output parsed.
fn run_python(code: &str, driver: &str, env: &[(&str, &str)]) -> Value {
    let python = venv_tool(crate::setup::venv().join("bin").join("python"));
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("dragons-lambda-{}-{run}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.py"), code).unwrap();
    let out = Command::new(&python)
        .args(["-c", driver])
        .current_dir(&dir)
        .envs(env.iter().copied())
        .output()
        .expect("run the Lambda with Python");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "the Lambda failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The resource's `DependsOn`, one name or a list, as a list.
fn depends_on(resource: &Value) -> Vec<&str> {
    match &resource["DependsOn"] {
        Value::String(one) => vec![one.as_str()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
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

/// A `const NAME: &str = "…";` of the local stack's HTTP API (emulator/src/http_api.rs), split at
/// its commas.
fn emulator_http_api_list(name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(crate::root().join("emulator/src/http_api.rs"))
        .expect("read emulator/src/http_api.rs");
    let line = text
        .lines()
        .find(|l| l.starts_with(&format!("const {name}")))
        .unwrap_or_else(|| panic!("emulator/src/http_api.rs has {name}"));
    let value = line.split('"').nth(1).expect("a string");
    value.split(',').map(|s| s.trim().to_owned()).collect()
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
        json!([
            "openid",
            "email",
            "profile",
            "dragons/read",
            "dragons/write"
        ])
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
fn the_dragons_scopes_exist_before_the_client_lists_them() {
    let t = template();
    let (pool, _) = only(&t, "AWS::Cognito::UserPool");
    let (server, s) = only(&t, "AWS::Cognito::UserPoolResourceServer");
    let s = &s["Properties"];
    assert_eq!(s["UserPoolId"], reference(pool));
    assert_eq!(s["Identifier"], "dragons");
    assert!(s["Name"].as_str().is_some_and(|n| !n.is_empty()));
    assert_eq!(
        s["Scopes"],
        json!([
            {"ScopeName": "read", "ScopeDescription": "List and look at dragons"},
            {"ScopeName": "write", "ScopeDescription": "Report dragons"}
        ])
    );
    // The client's custom scopes are <identifier>/<scope name>, each one the server has.
    let (_, client) = only(&t, "AWS::Cognito::UserPoolClient");
    let full: Vec<String> = s["Scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|scope| format!("dragons/{}", scope["ScopeName"].as_str().unwrap()))
        .collect();
    let allowed = client["Properties"]["AllowedOAuthScopes"]
        .as_array()
        .unwrap();
    for scope in &full {
        assert!(allowed.contains(&json!(scope)), "the client allows {scope}");
    }
    for oidc in ["openid", "email", "profile"] {
        assert!(allowed.contains(&json!(oidc)), "{oidc} kept");
    }
    assert_eq!(
        client["Properties"]["AllowedOAuthFlowsUserPoolClient"],
        true
    );
    assert_eq!(
        depends_on(client),
        [server],
        "Cognito refuses a client naming scopes not yet created"
    );

    let (group, g) = only(&t, "AWS::Cognito::UserPoolGroup");
    assert_eq!(g["Properties"]["UserPoolId"], reference(pool));
    assert_eq!(g["Properties"]["GroupName"], "dragon-keepers");
    assert!(g["Properties"]["Description"]
        .as_str()
        .unwrap()
        .contains("dragons/write"));
    assert!(g.get("Condition").is_none(), "the group is always there");
    let add = t["Outputs"]["AddDragonKeeperCommand"]["Value"]["Fn::Sub"]
        .as_str()
        .unwrap();
    for part in [
        "aws cognito-idp admin-add-user-to-group",
        "--user-pool-id ${UserPool}",
        &format!("--group-name ${{{group}}}"),
        "--region ${AWS::Region}",
    ] {
        assert!(add.contains(part), "{part} in {add}");
    }
}

#[test]
fn the_keeper_scope_trigger_is_off_by_default_and_wired_when_on() {
    let t = template();
    let parameter = &t["Parameters"]["KeeperScopeTrigger"];
    assert_eq!(parameter["Default"], "false");
    assert_eq!(parameter["AllowedValues"], json!(["true", "false"]));
    assert_eq!(
        t["Conditions"]["KeeperTrigger"],
        json!({"Fn::Equals": [{"Ref": "KeeperScopeTrigger"}, "true"]})
    );
    // V2_0 customises access tokens, which Lite cannot: the plan stays the parameter's, and a
    // rule refuses the trigger with LITE before anything changes.
    let (pool, p) = only(&t, "AWS::Cognito::UserPool");
    let p = &p["Properties"];
    assert_eq!(p["UserPoolTier"], reference("FeaturePlan"));
    assert_eq!(t["Parameters"]["FeaturePlan"]["Default"], "ESSENTIALS");
    let rule = &t["Rules"]["KeeperScopeTriggerNeedsEssentials"];
    assert_eq!(
        rule["RuleCondition"],
        json!({"Fn::Equals": [{"Ref": "KeeperScopeTrigger"}, "true"]})
    );
    assert_eq!(
        rule["Assertions"][0]["Assert"],
        json!({"Fn::Not": [{"Fn::Equals": [{"Ref": "FeaturePlan"}, "LITE"]}]})
    );
    // The pool names the function only when the condition holds.
    let functions = resources_of_type(&t, "AWS::Lambda::Function");
    let triggers: Vec<_> = functions
        .iter()
        .filter(|(_, f)| f["Condition"] == "KeeperTrigger")
        .collect();
    assert_eq!(triggers.len(), 1, "one trigger function: {triggers:?}");
    let (function, f) = *triggers[0];
    assert_eq!(
        p["LambdaConfig"],
        json!({"Fn::If": [
            "KeeperTrigger",
            {"PreTokenGenerationConfig": {
                "LambdaArn": get_att(function, "Arn"),
                "LambdaVersion": "V2_0"
            }},
            {"Ref": "AWS::NoValue"}
        ]})
    );
    let f = &f["Properties"];
    assert!(f["Runtime"].as_str().unwrap().starts_with("python3"));
    assert!(f["Code"]["ZipFile"].is_string(), "inline code");
    // Its role and log group come and go with it.
    let role = f["Role"]["Fn::GetAtt"][0].as_str().unwrap();
    let log_group = f["LoggingConfig"]["LogGroup"]["Ref"].as_str().unwrap();
    for name in [role, log_group] {
        assert_eq!(t["Resources"][name]["Condition"], "KeeperTrigger", "{name}");
    }
    assert_eq!(
        t["Resources"][role]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
            ["Service"],
        "lambda.amazonaws.com"
    );
    // Cognito may call it, for this pool only.
    let permissions: Vec<_> = resources_of_type(&t, "AWS::Lambda::Permission")
        .into_iter()
        .filter(|(_, r)| r["Properties"]["Principal"] == "cognito-idp.amazonaws.com")
        .collect();
    assert_eq!(permissions.len(), 1, "{permissions:?}");
    let (_, permission) = permissions[0];
    assert_eq!(permission["Condition"], "KeeperTrigger");
    let permission = &permission["Properties"];
    assert_eq!(permission["Action"], "lambda:InvokeFunction");
    assert_eq!(permission["FunctionName"], get_att(function, "Arn"));
    assert_eq!(permission["SourceArn"], get_att(pool, "Arn"));
    assert_eq!(permission["SourceAccount"], reference("AWS::AccountId"));
}

/// The trigger run by Python with Cognito's V2_0 pre token generation events.
#[test]
fn the_keeper_trigger_takes_dragons_write_from_everyone_else() {
    let t = template();
    let (function, _) = resources_of_type(&t, "AWS::Lambda::Function")
        .into_iter()
        .find(|(_, f)| f["Condition"] == "KeeperTrigger")
        .expect("the trigger function");
    let driver = r#"
import copy, json, sys
import index

def event(groups, scopes=("openid", "dragons/read", "dragons/write"), response=None):
    request = {
        "userAttributes": {"sub": "1", "email": "rider@example.com"},
        "scopes": list(scopes),
        "groupConfiguration": {"groupsToOverride": groups, "iamRolesToOverride": [], "preferredRole": None},
    }
    if groups is None:
        del request["groupConfiguration"]
    return {
        "version": "2", "triggerSource": "TokenGeneration_HostedAuth", "region": "eu-west-1",
        "userPoolId": "eu-west-1_AbC", "userName": "dragonrider",
        "callerContext": {"awsSdkVersion": "x", "clientId": "abc"},
        "request": request,
        "response": response if response is not None else {"claimsAndScopeOverrideDetails": None},
    }

keeper = event(["readers", "dragon-keepers"])
keeper_before = copy.deepcopy(keeper)
results = {
    "keeper": index.handler(keeper, None),
    "keeper_unchanged": index.handler(keeper, None) == keeper_before,
    "other": index.handler(event(["readers"]), None),
    "none": index.handler(event([]), None),
    "no_groups": index.handler(event(None), None),
    "no_scope_list": index.handler(dict(event([]), request={"groupConfiguration": {"groupsToOverride": []}}), None),
    "cli": index.handler(event([], scopes=["aws.cognito.signin.user.admin"]), None),
    "read_only": index.handler(event([], scopes=["openid", "dragons/read"]), None),
    "null_response": index.handler(dict(event([]), response=None), None),
}
json.dump(results, sys.stdout)
"#;
    let r = run_python(&inline_code(&t, function), driver, &[]);
    assert_eq!(
        r["keeper"]["response"]["claimsAndScopeOverrideDetails"],
        Value::Null
    );
    assert_eq!(
        r["keeper_unchanged"], true,
        "a keeper's event goes back as it came"
    );
    let suppressed = json!({"accessTokenGeneration": {"scopesToSuppress": ["dragons/write"]}});
    // Nothing to take from a token that would not have it (initiate-auth's, or a sign-in that did
    // not ask for it).
    for case in ["cli", "read_only"] {
        assert_eq!(
            r[case]["response"]["claimsAndScopeOverrideDetails"],
            Value::Null,
            "{case}"
        );
    }
    for case in [
        "other",
        "none",
        "no_groups",
        "no_scope_list",
        "null_response",
    ] {
        assert_eq!(
            r[case]["response"]["claimsAndScopeOverrideDetails"], suppressed,
            "{case}"
        );
        assert_eq!(
            r[case]["userName"], "dragonrider",
            "{case}: the event itself comes back"
        );
    }
}

/// The resources of `kind` that belong to the REST API `api` (their `RestApiId` refers to it).
fn of_rest_api<'a>(t: &'a Value, kind: &str, api: &str) -> Vec<(&'a str, &'a Value)> {
    resources_of_type(t, kind)
        .into_iter()
        .filter(|(_, r)| r["Properties"]["RestApiId"] == reference(api))
        .collect()
}

/// A REST API's GET and POST methods and its stage: (name, properties) each.
struct RestApi<'a> {
    get: (&'a str, &'a Value),
    post: (&'a str, &'a Value),
    stage: (&'a str, &'a Value),
}

/// What every REST API here has the same way, checked: `/dragons` under its root; GET and POST
/// as Lambda proxies to the dragons function and the preflight (no authorization, a mock
/// answering the local stack's CORS headers) on it, nothing else; `DEFAULT_4XX` and
/// `DEFAULT_5XX` with the same CORS headers; a deployment waiting for every method and gateway
/// response; the stage serving it, throttled; one Lambda permission for this API.
fn check_rest_api<'a>(t: &'a Value, api: &str) -> RestApi<'a> {
    assert_eq!(
        t["Resources"][api]["Type"], "AWS::ApiGateway::RestApi",
        "{api}"
    );
    assert_eq!(
        t["Resources"][api]["Properties"]["EndpointConfiguration"]["Types"],
        json!(["REGIONAL"]),
        "{api}"
    );
    let allow_headers = format!("'{}'", emulator_allow_headers());
    assert!(allow_headers.contains("Authorization"));
    assert!(allow_headers.contains("X-Amz-Date") && allow_headers.contains("X-Amz-Security-Token"));
    let resources = of_rest_api(t, "AWS::ApiGateway::Resource", api);
    assert_eq!(resources.len(), 1, "{api}: one resource: {resources:?}");
    let (resource, r) = resources[0];
    assert_eq!(r["Properties"]["PathPart"], "dragons", "{api}");
    assert_eq!(
        r["Properties"]["ParentId"],
        get_att(api, "RootResourceId"),
        "{api}"
    );

    let methods = of_rest_api(t, "AWS::ApiGateway::Method", api);
    let mut verbs: Vec<&str> = methods
        .iter()
        .map(|(_, m)| m["Properties"]["HttpMethod"].as_str().unwrap())
        .collect();
    verbs.sort();
    assert_eq!(verbs, ["GET", "OPTIONS", "POST"], "{api}");
    let method = |verb: &str| {
        let (name, m) = *methods
            .iter()
            .find(|(_, m)| m["Properties"]["HttpMethod"] == verb)
            .unwrap();
        assert_eq!(
            m["Properties"]["ResourceId"],
            reference(resource),
            "{api} {verb}"
        );
        (name, &m["Properties"])
    };
    for verb in ["GET", "POST"] {
        let (_, m) = method(verb);
        assert_eq!(m["Integration"]["Type"], "AWS_PROXY", "{api} {verb}");
        assert_eq!(
            m["Integration"]["IntegrationHttpMethod"], "POST",
            "{api} {verb}"
        );
        let uri = m["Integration"]["Uri"]["Fn::Sub"].as_str().unwrap();
        assert!(uri.contains("${DragonsFunction.Arn}/invocations"), "{uri}");
    }
    let (options, o) = method("OPTIONS");
    assert_eq!(
        o["AuthorizationType"], "NONE",
        "{api}: preflight is never authorized"
    );
    assert_eq!(o["Integration"]["Type"], "MOCK", "{api}");
    let answer = &o["Integration"]["IntegrationResponses"][0]["ResponseParameters"];
    assert_eq!(
        answer["method.response.header.Access-Control-Allow-Origin"],
        "'*'"
    );
    assert_eq!(
        answer["method.response.header.Access-Control-Allow-Headers"],
        allow_headers.as_str(),
        "{api}"
    );
    assert_eq!(
        answer["method.response.header.Access-Control-Allow-Methods"],
        "'GET,POST,OPTIONS'"
    );
    for header in answer.as_object().unwrap().keys() {
        assert_eq!(
            o["MethodResponses"][0]["ResponseParameters"][header], true,
            "{api}: {header} declared"
        );
    }
    let mut waited_for: Vec<&str> = methods.iter().map(|(name, _)| *name).collect();
    assert!(waited_for.contains(&options));

    let responses = of_rest_api(t, "AWS::ApiGateway::GatewayResponse", api);
    let mut types: Vec<&str> = responses
        .iter()
        .map(|(_, g)| g["Properties"]["ResponseType"].as_str().unwrap())
        .collect();
    types.sort();
    assert_eq!(types, ["DEFAULT_4XX", "DEFAULT_5XX"], "{api}");
    for (name, g) in &responses {
        let h = &g["Properties"]["ResponseParameters"];
        assert_eq!(
            h["gatewayresponse.header.Access-Control-Allow-Origin"], "'*'",
            "{name}"
        );
        assert_eq!(
            h["gatewayresponse.header.Access-Control-Allow-Headers"],
            allow_headers.as_str(),
            "{name}"
        );
        assert_eq!(
            h["gatewayresponse.header.Access-Control-Allow-Methods"], "'GET,POST,OPTIONS'",
            "{name}"
        );
        waited_for.push(name);
    }

    // The deployment waits for every method and gateway response; the stage serves it.
    let deployments = of_rest_api(t, "AWS::ApiGateway::Deployment", api);
    assert_eq!(deployments.len(), 1, "{api}: one deployment");
    let (deployment, d) = deployments[0];
    let mut depends = depends_on(d);
    depends.sort();
    waited_for.sort();
    assert_eq!(depends, waited_for, "{deployment}");
    let stages = of_rest_api(t, "AWS::ApiGateway::Stage", api);
    assert_eq!(stages.len(), 1, "{api}: one stage");
    let (stage, s) = stages[0];
    assert_eq!(
        s["Properties"]["DeploymentId"],
        reference(deployment),
        "{stage}"
    );
    assert_eq!(
        s["Properties"]["MethodSettings"],
        json!([{"ResourcePath": "/*", "HttpMethod": "*", "ThrottlingBurstLimit": 50, "ThrottlingRateLimit": 20}]),
        "{stage}: throttled"
    );

    let permissions: Vec<_> = resources_of_type(t, "AWS::Lambda::Permission")
        .into_iter()
        .filter(|(_, p)| {
            p["Properties"]["SourceArn"]["Fn::Sub"]
                .as_str()
                .is_some_and(|arn| arn.contains(&format!(":${{{api}}}/")))
        })
        .collect();
    assert_eq!(permissions.len(), 1, "{api}: {permissions:?}");
    let permission = &permissions[0].1["Properties"];
    assert_eq!(permission["Principal"], "apigateway.amazonaws.com");
    assert_eq!(permission["Action"], "lambda:InvokeFunction");
    assert_eq!(
        permission["FunctionName"],
        get_att("DragonsFunction", "Arn")
    );
    assert_eq!(
        permission["SourceArn"]["Fn::Sub"],
        format!("arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{api}}}/*/*/dragons")
    );

    RestApi {
        get: method("GET"),
        post: method("POST"),
        stage: (stage, &s["Properties"]),
    }
}

#[test]
fn the_rest_apis_are_the_cognito_one_and_the_iam_one() {
    let t = template();
    let mut apis: Vec<&str> = resources_of_type(&t, "AWS::ApiGateway::RestApi")
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    apis.sort();
    assert_eq!(apis, ["DragonsApi", "DragonsIamApi"]);
    // Every method, resource, gateway response, deployment and stage belongs to one of them.
    for kind in [
        "AWS::ApiGateway::Resource",
        "AWS::ApiGateway::Method",
        "AWS::ApiGateway::GatewayResponse",
        "AWS::ApiGateway::Deployment",
        "AWS::ApiGateway::Stage",
        "AWS::ApiGateway::Authorizer",
    ] {
        let all = resources_of_type(&t, kind).len();
        let mine: usize = apis
            .iter()
            .map(|api| of_rest_api(&t, kind, api).len())
            .sum();
        assert_eq!(all, mine, "{kind}");
    }
}

#[test]
fn the_dragons_api_behind_a_cognito_authorizer_with_cors_everywhere() {
    let t = template();
    let api = "DragonsApi";
    let rest = check_rest_api(&t, api);

    let (authorizer, a) = only(&t, "AWS::ApiGateway::Authorizer");
    let a = &a["Properties"];
    assert_eq!(a["RestApiId"], reference(api));
    assert_eq!(a["Type"], "COGNITO_USER_POOLS");
    assert_eq!(a["IdentitySource"], "method.request.header.Authorization");
    assert_eq!(a["ProviderARNs"], json!([get_att("UserPool", "Arn")]));

    for (verb, (_, m)) in [("GET", rest.get), ("POST", rest.post)] {
        assert_eq!(m["AuthorizationType"], "COGNITO_USER_POOLS", "{verb}");
        assert_eq!(m["AuthorizerId"], reference(authorizer), "{verb}");
    }
    assert!(
        rest.get.1.get("AuthorizationScopes").is_none(),
        "GET: no scopes, so the ID token"
    );
    assert_eq!(
        rest.post.1["AuthorizationScopes"],
        json!(["dragons/write"]),
        "POST: scoped, so an access token carrying dragons/write"
    );

    let (stage, s) = rest.stage;
    assert_eq!(s["StageName"], reference("ApiStageName"));
    assert_eq!(t["Parameters"]["ApiStageName"]["Default"], "test");
    assert_eq!(
        t["Outputs"]["ApiBaseUrl"]["Value"]["Fn::Sub"],
        format!("https://${{{api}}}.execute-api.${{AWS::Region}}.amazonaws.com/${{{stage}}}")
    );
    assert_eq!(t["Outputs"]["RestApiId"]["Value"], reference(api));
    assert_eq!(t["Outputs"]["ApiStage"]["Value"], reference(stage));

    let function = "DragonsFunction";
    let f = &t["Resources"][function];
    assert_eq!(f["Type"], "AWS::Lambda::Function");
    assert!(f.get("Condition").is_none());
    assert!(f["Properties"]["Runtime"]
        .as_str()
        .unwrap()
        .starts_with("python3"));
    assert!(
        f["Properties"]["Code"]["ZipFile"].is_string(),
        "inline code"
    );
}

#[test]
fn the_dragons_iam_api_takes_signed_requests_with_cors_on_its_refusals() {
    let t = template();
    let api = "DragonsIamApi";
    let rest = check_rest_api(&t, api);
    let cognito = check_rest_api(&t, "DragonsApi");
    for (verb, (name, m)) in [("GET", rest.get), ("POST", rest.post)] {
        assert_eq!(m["AuthorizationType"], "AWS_IAM", "{name}");
        assert!(m.get("AuthorizerId").is_none(), "{name}: no authorizer");
        assert!(m.get("AuthorizationScopes").is_none(), "{name}: no scopes");
        // The same function, the same way, as the Cognito-guarded API's method.
        let other = if verb == "GET" {
            cognito.get.1
        } else {
            cognito.post.1
        };
        assert_eq!(m["Integration"], other["Integration"], "{name}");
        assert_eq!(m["RequestParameters"], other["RequestParameters"], "{name}");
    }
    // The local stack answers on /iam/dragons; the roles' policies name the stage too.
    let (stage, s) = rest.stage;
    assert_eq!(s["StageName"], "iam", "{stage}");
    assert_eq!(
        t["Outputs"]["IamApiBaseUrl"]["Value"]["Fn::Sub"],
        format!("https://${{{api}}}.execute-api.${{AWS::Region}}.amazonaws.com/iam")
    );
    // deploy redeploys this stage too.
    assert_eq!(t["Outputs"]["IamApiId"]["Value"], reference(api));
    assert_eq!(t["Outputs"]["IamApiStage"]["Value"], reference(stage));
}

/// The execute-api ARN of one method on the IAM API's `iam` stage, as the roles name it.
fn iam_api_arn(verb: &str) -> Value {
    json!({"Fn::Sub": format!(
        "arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{DragonsIamApi}}/iam/{verb}/dragons"
    )})
}

#[test]
fn the_identity_pool_gives_signed_in_users_get_and_post_and_guests_get() {
    let t = template();
    let (pool, p) = only(&t, "AWS::Cognito::IdentityPool");
    let p = &p["Properties"];
    assert_eq!(
        p["AllowUnauthenticatedIdentities"], true,
        "the guest lesson"
    );
    assert_eq!(p["AllowClassicFlow"], false, "the enhanced flow only");
    assert_eq!(
        p["CognitoIdentityProviders"],
        json!([{
            "ClientId": reference("AppClient"),
            "ProviderName": get_att("UserPool", "ProviderName")
        }]),
        "the app client's ID tokens, from this pool"
    );
    for other in [
        "SupportedLoginProviders",
        "OpenIdConnectProviderARNs",
        "SamlProviderARNs",
        "DeveloperProviderName",
    ] {
        assert!(p.get(other).is_none(), "{other}");
    }

    let (_, attachment) = only(&t, "AWS::Cognito::IdentityPoolRoleAttachment");
    let a = &attachment["Properties"];
    assert_eq!(a["IdentityPoolId"], reference(pool));
    assert!(
        a.get("RoleMappings").is_none(),
        "one role per kind of identity"
    );
    let roles = a["Roles"].as_object().unwrap();
    let mut kinds: Vec<&str> = roles.keys().map(String::as_str).collect();
    kinds.sort();
    assert_eq!(kinds, ["authenticated", "unauthenticated"]);

    for (kind, allowed) in [
        (
            "authenticated",
            vec![iam_api_arn("GET"), iam_api_arn("POST")],
        ),
        ("unauthenticated", vec![iam_api_arn("GET")]),
    ] {
        assert_eq!(roles[kind]["Fn::GetAtt"][1], "Arn", "{kind}");
        let role = roles[kind]["Fn::GetAtt"][0].as_str().unwrap();
        let r = &t["Resources"][role];
        assert_eq!(r["Type"], "AWS::IAM::Role", "{role}");
        assert!(r.get("Condition").is_none(), "{role}");
        let r = &r["Properties"];
        // Only Cognito Identity, for this pool and this kind of identity, may assume it.
        assert_eq!(
            r["AssumeRolePolicyDocument"]["Statement"],
            json!([{
                "Effect": "Allow",
                "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {"cognito-identity.amazonaws.com:aud": reference(pool)},
                    "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": kind}
                }
            }]),
            "{role}"
        );
        // It may invoke exactly these methods, nothing else.
        assert!(r.get("ManagedPolicyArns").is_none(), "{role}");
        let mut resources = Vec::new();
        for policy in r["Policies"].as_array().unwrap() {
            for statement in policy["PolicyDocument"]["Statement"].as_array().unwrap() {
                assert_eq!(statement["Effect"], "Allow", "{role}");
                assert_eq!(statement["Action"], "execute-api:Invoke", "{role}");
                assert!(statement.get("Condition").is_none(), "{role}");
                match &statement["Resource"] {
                    Value::Array(many) => resources.extend(many.iter().cloned()),
                    one => resources.push(one.clone()),
                }
            }
        }
        assert_eq!(resources, allowed, "{role}");
    }
    // The ARNs name the IAM API's stage as it is.
    assert_eq!(
        t["Resources"]["DragonsIamStage"]["Properties"]["StageName"],
        "iam"
    );

    let outputs = &t["Outputs"];
    assert_eq!(outputs["IdentityPoolId"]["Value"], reference(pool));
    assert_eq!(
        hosting::output_name("identityPoolId"),
        "IdentityPoolId",
        "config.json identityPoolId"
    );
    assert_eq!(hosting::output_name("iamApiBaseUrl"), "IamApiBaseUrl");
}

#[test]
fn the_dragons_http_api_behind_a_jwt_authorizer() {
    let t = template();
    let (api, a) = only(&t, "AWS::ApiGatewayV2::Api");
    let a = &a["Properties"];
    assert_eq!(a["ProtocolType"], "HTTP");
    // API Gateway answers every preflight from this and puts these headers on every answer.
    let cors = &a["CorsConfiguration"];
    assert_eq!(
        cors["AllowOrigins"],
        json!(["*"]),
        "any origin, as the REST API's CORS (and the site's origin would be a cycle)"
    );
    assert_eq!(
        cors["AllowHeaders"],
        json!(["authorization", "content-type"])
    );
    assert_eq!(cors["AllowMethods"], json!(["GET", "POST", "OPTIONS"]));
    assert_eq!(
        cors["ExposeHeaders"],
        json!(["www-authenticate", "apigw-requestid"]),
        "the page can read why the authorizer refused"
    );
    // As the local stack's HTTP API answers.
    assert_eq!(
        cors["AllowHeaders"],
        json!(emulator_http_api_list("ALLOW_HEADERS"))
    );
    assert_eq!(
        cors["ExposeHeaders"],
        json!(emulator_http_api_list("EXPOSE_HEADERS"))
    );
    assert_eq!(cors["MaxAge"], 300);
    assert!(
        cors.get("AllowCredentials").is_none(),
        "a header token, no cookies"
    );

    let (authorizer, z) = only(&t, "AWS::ApiGatewayV2::Authorizer");
    let z = &z["Properties"];
    assert_eq!(z["ApiId"], reference(api));
    assert_eq!(z["AuthorizerType"], "JWT");
    assert_eq!(
        z["IdentitySource"],
        json!(["$request.header.Authorization"])
    );
    assert_eq!(
        z["JwtConfiguration"]["Issuer"], t["Outputs"]["Issuer"]["Value"],
        "the pool's issuer, as config.json has it"
    );
    assert_eq!(
        z["JwtConfiguration"]["Issuer"]["Fn::Sub"],
        "https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}"
    );
    assert_eq!(
        z["JwtConfiguration"]["Audience"],
        json!([reference("AppClient")])
    );

    let (integration, i) = only(&t, "AWS::ApiGatewayV2::Integration");
    let i = &i["Properties"];
    assert_eq!(i["ApiId"], reference(api));
    assert_eq!(i["IntegrationType"], "AWS_PROXY");
    assert_eq!(i["IntegrationUri"], get_att("DragonsFunction", "Arn"));
    assert_eq!(i["PayloadFormatVersion"], "2.0");

    let routes = resources_of_type(&t, "AWS::ApiGatewayV2::Route");
    let mut keys: Vec<&str> = routes
        .iter()
        .map(|(_, r)| r["Properties"]["RouteKey"].as_str().unwrap())
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        ["GET /dragons", "POST /dragons"],
        "no OPTIONS route: the CORS configuration answers preflights"
    );
    for (name, r) in &routes {
        let r = &r["Properties"];
        assert_eq!(r["ApiId"], reference(api), "{name}");
        assert_eq!(r["AuthorizationType"], "JWT", "{name}");
        assert_eq!(r["AuthorizerId"], reference(authorizer), "{name}");
        assert_eq!(
            r["Target"],
            json!({"Fn::Sub": format!("integrations/${{{integration}}}")}),
            "{name}"
        );
        if r["RouteKey"] == "GET /dragons" {
            assert!(
                r.get("AuthorizationScopes").is_none(),
                "GET: no scopes, so either of the client's tokens"
            );
        } else {
            assert_eq!(r["AuthorizationScopes"], json!(["dragons/write"]));
        }
    }

    let (_, s) = only(&t, "AWS::ApiGatewayV2::Stage");
    let s = &s["Properties"];
    assert_eq!(s["ApiId"], reference(api));
    assert_eq!(s["StageName"], "$default", "no stage name in the URL");
    assert_eq!(s["AutoDeploy"], true);
    assert!(s["DefaultRouteSettings"]["ThrottlingRateLimit"].is_number());

    let permissions: Vec<_> = resources_of_type(&t, "AWS::Lambda::Permission")
        .into_iter()
        .filter(|(_, p)| {
            p["Properties"]["SourceArn"]["Fn::Sub"]
                .as_str()
                .is_some_and(|arn| arn.contains(&format!(":${{{api}}}/")))
        })
        .collect();
    assert_eq!(permissions.len(), 1, "{permissions:?}");
    let permission = &permissions[0].1["Properties"];
    assert_eq!(permission["Principal"], "apigateway.amazonaws.com");
    assert_eq!(permission["Action"], "lambda:InvokeFunction");
    assert_eq!(
        permission["FunctionName"],
        get_att("DragonsFunction", "Arn")
    );
    assert!(permission["SourceArn"]["Fn::Sub"]
        .as_str()
        .unwrap()
        .ends_with("/*/*/dragons"));

    assert_eq!(
        t["Outputs"]["HttpApiBaseUrl"]["Value"],
        json!({"Fn::Sub": format!("https://${{{api}}}.execute-api.${{AWS::Region}}.amazonaws.com")}),
        "the $default stage is the API's root"
    );
    assert_eq!(t["Outputs"]["HttpApiId"]["Value"], reference(api));
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
    let http_api = "https://${DragonsHttpApi}.execute-api.${AWS::Region}.amazonaws.com";
    let iam_api = "https://${DragonsIamApi}.execute-api.${AWS::Region}.amazonaws.com";
    // Where the app asks the identity pool for credentials: it derives the endpoint from the
    // issuer's region, the region the identity pool (this stack's) is in too.
    let identity = "https://cognito-identity.${AWS::Region}.amazonaws.com";
    assert_eq!(
        t["Outputs"]["HttpApiBaseUrl"]["Value"]["Fn::Sub"], http_api,
        "the HTTP API's origin is its base URL"
    );
    assert_eq!(
        t["Outputs"]["IamApiBaseUrl"]["Value"]["Fn::Sub"],
        format!("{iam_api}/iam"),
        "the IAM API's origin is its base URL's"
    );
    assert_eq!(
        policy,
        format!("default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' {auth} {issuer} {api} {http_api} {iam_api} {identity}; img-src 'self' data:; style-src 'self'; base-uri 'none'; form-action 'self' {auth}; object-src 'none'; frame-ancestors 'none'")
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
        &hosting::parse_config(r#"{"authDomain":"https://p.example.com","issuer":"https://i.example.com/pool","apiBaseUrl":"https://a.example.com/test","httpApiBaseUrl":"https://h.example.com","iamApiBaseUrl":"https://g.example.com/iam","identityPoolId":"eu-west-1:0d5e8a52-1c4b-4f8e-9a11-d7a60c0de001"}"#).unwrap(),
    )
    .unwrap();
    assert_eq!(
        policy
            .replace(auth, "https://p.example.com")
            .replace(issuer, "https://i.example.com")
            .replace(api, "https://a.example.com")
            .replace(http_api, "https://h.example.com")
            .replace(iam_api, "https://g.example.com")
            .replace(identity, "https://cognito-identity.eu-west-1.amazonaws.com"),
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
    assert_eq!(
        outputs["Scopes"]["Value"],
        "openid email profile dragons/read dragons/write"
    );
    // Every scope the app asks for is one the client allows.
    let allowed = &t["Resources"]["AppClient"]["Properties"]["AllowedOAuthScopes"];
    for scope in outputs["Scopes"]["Value"].as_str().unwrap().split(' ') {
        assert!(
            allowed.as_array().unwrap().contains(&json!(scope)),
            "{scope}"
        );
    }
    assert_eq!(outputs["Flow"]["Value"], "code");
    assert_eq!(
        outputs["ApiToken"]["Value"], "id",
        "the REST API's GET has no scopes"
    );
    assert!(outputs["ApiToken"]["Description"]
        .as_str()
        .unwrap()
        .contains("access token"));
    assert_eq!(
        outputs["HttpApiBaseUrl"]["Value"]["Fn::Sub"],
        "https://${DragonsHttpApi}.execute-api.${AWS::Region}.amazonaws.com"
    );
    assert_eq!(
        outputs["IamApiBaseUrl"]["Value"]["Fn::Sub"],
        "https://${DragonsIamApi}.execute-api.${AWS::Region}.amazonaws.com/iam",
        "the app signs its calls to <iamApiBaseUrl>/dragons"
    );
    assert_eq!(
        outputs["IdentityPoolId"]["Value"],
        reference("IdentityPool"),
        "<region>:<uuid>"
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
        "HttpApiId",
        "IamApiId",
        "IamApiStage",
        "AddDragonKeeperCommand",
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
        "AWS::NoValue",
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
    // The Lambdas' source holds Python, not CloudFormation substitutions.
    let mut resources = t["Resources"].clone();
    for function in resources_of_type(&t, "AWS::Lambda::Function") {
        resources[function.0]["Properties"]["Code"] = Value::Null;
    }
    walk(&resources, &[], &mut found);
    walk(&t["Outputs"], &[], &mut found);
    for name in found {
        assert!(
            known.contains(&name),
            "a reference to {name:?}, which the template does not have"
        );
    }
    // Conditions named by resources exist.
    let conditions = t["Conditions"].as_object().unwrap();
    for (name, resource) in t["Resources"].as_object().unwrap() {
        if let Some(condition) = resource.get("Condition") {
            let condition = condition.as_str().unwrap();
            assert!(conditions.contains_key(condition), "{name}: {condition}");
        }
    }
}

/// The inline Lambda, run by Python with API Gateway's proxy events (the REST API's payload 1.0
/// and the HTTP API's 2.0): the same answers as the local stack's dragons API.
#[test]
fn the_inline_lambda_answers_like_the_dragons_api() {
    let t = template();
    let code = inline_code(&t, "DragonsFunction");
    let driver = r#"
import base64, json, sys, time
from urllib.parse import urlencode
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

# The HTTP API's payload 2.0: the method in requestContext.http, the query raw and parsed (left
# out when there is none), headers lowercased, the JWT authorizer's claims and scopes.
def v2(method, query=None, body=None, b64=False, content_type="application/json", parsed=True):
    event = {
        "version": "2.0", "routeKey": method + " /dragons", "rawPath": "/dragons",
        "rawQueryString": urlencode(query or {}),
        "headers": {"authorization": "Bearer x", "content-type": content_type},
        "requestContext": {
            "http": {"method": method, "path": "/dragons", "protocol": "HTTP/1.1"},
            "authorizer": {"jwt": {"claims": {"sub": "1"}, "scopes": ["dragons/write"]}},
            "routeKey": method + " /dragons", "stage": "$default",
        },
        "isBase64Encoded": b64,
    }
    if query and parsed:
        event["queryStringParameters"] = query
    if body is not None:
        text = body if isinstance(body, str) else json.dumps(body)
        event["body"] = base64.b64encode(text.encode()).decode() if b64 else text
    return call(event)

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
results["v2_all"] = v2("GET")
results["v2_by_family"] = v2("GET", {"family": "red"})
results["v2_raw_only"] = v2("GET", {"dragonName": "Atlas"}, parsed=False)
results["v2_posted"] = v2("POST", body=dict(dragon, dragonName="Quill3"))
results["v2_b64"] = v2("POST", body=dict(dragon, dragonName="Quill4"), b64=True)
results["v2_bad"] = [
    v2("POST", body=dragon, content_type="text/plain")["status"],
    v2("POST", body="{not json")["status"],
    v2("POST")["status"],
]
time.sleep(0.4)
results["v2_later"] = v2("GET", {"dragonName": "Quill3"})
results["v2_delete"] = v2("DELETE")["status"]
json.dump(results, sys.stdout)
"#;
    let r = run_python(&code, driver, &[("POST_VISIBLE_AFTER_SECONDS", "0.3")]);
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
    // The HTTP API's events get the same answers.
    // The same warm instance: the seed, and the dragon reported through the REST API.
    assert_eq!(
        r["v2_all"]["body"].as_array().unwrap()[..12],
        r["all"]["body"].as_array().unwrap()[..],
        "payload 2.0: the seed"
    );
    assert_eq!(names(&r["v2_all"])[12..], ["Quill"]);
    assert_eq!(names(&r["v2_by_family"]), ["Atlas", "Blaze", "Ember"]);
    assert_eq!(
        names(&r["v2_raw_only"]),
        ["Atlas"],
        "rawQueryString when there is no parsed query"
    );
    assert_eq!(r["v2_posted"]["status"], 200);
    assert!(r["v2_posted"]["body"]["executionArn"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:states:eu-west-1:123456789012:execution:DragonsStateMachine:"));
    assert_eq!(r["v2_b64"]["status"], 200);
    assert_eq!(r["v2_bad"], json!([400, 400, 400]));
    assert_eq!(names(&r["v2_later"]), ["Quill3"]);
    assert_eq!(r["v2_delete"], 405);
    // Every answer carries the CORS headers the local stack's integration sends.
    for name in ["all", "posted", "later", "v2_all", "v2_posted"] {
        let h = &r[name]["headers"];
        assert_eq!(h["Access-Control-Allow-Origin"], "*");
        assert_eq!(h["Access-Control-Allow-Headers"], emulator_allow_headers());
        assert_eq!(h["Access-Control-Allow-Methods"], "GET,POST,OPTIONS");
        assert_eq!(h["Content-Type"], "application/json");
    }
}
