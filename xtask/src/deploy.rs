//! `cargo xtask deploy`: the whole workshop stack (infra/template.yaml) on AWS, the site built,
//! configured from the stack's outputs and uploaded behind CloudFront.
//! `cargo xtask deploy-site`: the built site into a bucket a person already has, to be served
//! straight from S3.
//!
//! Both run the AWS CLI and print every command before it runs (`--dry-run`: only print). The
//! CLI's own settings (`AWS_PROFILE`, `AWS_REGION`, `AWS_ENDPOINT_URL`, its config files) reach
//! it untouched: nothing here names a region or an account.

use crate::hosting::{self, Hosting, Upload};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub const DEPLOY_USAGE: &str = "\
usage: cargo xtask deploy [options]

Creates or updates the stack (infra/template.yaml) with the AWS CLI, builds the release site,
writes config.json from the stack's outputs, uploads the site to the stack's bucket, redeploys
the two REST APIs' stages (the Cognito-authorized one and the AWS_IAM one; the HTTP API deploys
itself), invalidates CloudFront, and prints the URL and the next step.

  --stack-name NAME             the CloudFormation stack (default dragons-workshop)
  --domain-prefix PREFIX        Hosted UI domain prefix (default <stack>-<account id>)
  --login-ui classic|managed    classic Hosted UI or managed login
  --feature-plan LITE|ESSENTIALS|PLUS
  --refresh-token-rotation enabled|disabled
  --rotation-grace-seconds N    0-60
  --api-stage NAME              the API stage (default test)
  --self-sign-up true|false     whether attendees may sign up at the Hosted UI
  --extra-callback-urls URLS    more callback/sign-out URLs, comma separated
  --keeper-scope-trigger true|false
                                true: dragons/write only for the dragon-keepers group (a
                                pre-token-generation trigger; needs ESSENTIALS or PLUS)
  --no-build                    upload dist/ as it is (no trunk build)
  --dist DIR                    upload DIR as it is (no trunk build)
  --dry-run                     print the AWS commands, run none

Options left out keep the stack's current values (the template's defaults on a create).";

pub const DEPLOY_SITE_USAGE: &str = "\
usage: cargo xtask deploy-site --bucket NAME [--prefix P] [--config FILE] [--dist DIR] [--dry-run]

Uploads the built site (dist/, from cargo xtask build) to a bucket you already have, to be served
straight from S3: each file with its Content-Type and Cache-Control, gzip-compressed where it
helps (Content-Encoding: gzip), callback.html as a copy of index.html, config.json from FILE (or
dist/'s), and a <meta> Content-Security-Policy in the pages naming the hosts in that config.json.
The bucket must let the public read it (a bucket policy); nothing here changes that. After the
upload an anonymous GET of index.html checks it: a private bucket (every new bucket is) fails the
command with the two ways out, a public-read policy or cargo xtask deploy (CloudFront).";

/// The AWS CLI to run: `$DRAGONS_AWS_CLI`, else the one `cargo xtask setup` installs into
/// `.tools/venv`, else `aws` on PATH.
fn aws_program() -> PathBuf {
    if let Some(path) = std::env::var_os("DRAGONS_AWS_CLI") {
        return PathBuf::from(path);
    }
    let venv = crate::setup::aws_cli();
    if venv.is_file() {
        venv
    } else {
        PathBuf::from("aws")
    }
}

/// Runs (or, dry, only prints) AWS CLI commands.
struct Aws {
    program: PathBuf,
    dry_run: bool,
}

impl Aws {
    fn new(dry_run: bool) -> Result<Aws, String> {
        let program = aws_program();
        if !dry_run {
            let runs = Command::new(&program)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !runs {
                return Err(format!(
                    "the AWS CLI ({}) does not run; install it with: cargo xtask setup",
                    program.display()
                ));
            }
        }
        Ok(Aws { program, dry_run })
    }

    fn print(&self, args: &[String]) {
        println!("  $ {}", hosting::command_line("aws", args));
    }

    /// Print the command, then run it with the terminal attached.
    fn run(&self, args: &[String]) -> Result<(), String> {
        self.print(args);
        if self.dry_run {
            return Ok(());
        }
        let status = Command::new(&self.program)
            .args(args)
            .status()
            .map_err(|e| format!("could not start {}: {e}", self.program.display()))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!(
                "the AWS CLI failed ({status}): {}",
                hosting::command_line("aws", args)
            ))
        }
    }

    /// Print the command, run it, and return what it printed (`None` on a dry run).
    fn output(&self, args: &[String]) -> Result<Option<String>, String> {
        self.print(args);
        if self.dry_run {
            return Ok(None);
        }
        let out = Command::new(&self.program)
            .args(args)
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("could not start {}: {e}", self.program.display()))?;
        if out.status.success() {
            Ok(Some(String::from_utf8_lossy(&out.stdout).into_owned()))
        } else {
            Err(format!(
                "the AWS CLI failed ({}): {}",
                out.status,
                hosting::command_line("aws", args)
            ))
        }
    }
}

/// Command-line options: `--name value` pairs and bare flags.
struct Options {
    values: Vec<(String, String)>,
    flags: Vec<String>,
}

impl Options {
    fn parse(
        args: &[String],
        with_value: &[&str],
        flags: &[&str],
        usage: &str,
    ) -> Result<Options, String> {
        let mut options = Options {
            values: Vec::new(),
            flags: Vec::new(),
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (arg.as_str(), None),
            };
            if with_value.contains(&name) {
                let value = match inline {
                    Some(v) => v,
                    None => it
                        .next()
                        .cloned()
                        .ok_or_else(|| format!("{name} needs a value\n\n{usage}"))?,
                };
                options.values.push((name.to_owned(), value));
            } else if flags.contains(&name) && inline.is_none() {
                options.flags.push(name.to_owned());
            } else {
                return Err(format!("unknown option `{arg}`\n\n{usage}"));
            }
        }
        Ok(options)
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn flag(&self, name: &str) -> bool {
        self.flags.iter().any(|f| f == name)
    }
}

/// Every file under `dist` (name relative to it, with `/`), hidden ones left out.
fn read_site(dist: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
    if !dist.join("index.html").is_file() {
        return Err(format!(
            "{} has no index.html; build the site first: cargo xtask build",
            dist.display()
        ));
    }
    let reading = |e: std::io::Error| format!("reading {}: {e}", dist.display());
    let mut files = Vec::new();
    for (path, name) in crate::files::site_files(dist).map_err(reading)? {
        if !name.split('/').any(|part| part.starts_with('.')) {
            files.push((name, std::fs::read(&path).map_err(reading)?));
        }
    }
    Ok(files)
}

/// A directory holding the exact bodies to upload; removed when dropped unless kept.
struct Staging {
    dir: PathBuf,
    keep: bool,
}

impl Staging {
    /// A fresh private directory for a real upload; for a dry run `target/dry-run-upload/`,
    /// emptied first and kept afterwards, so the bodies can be looked at.
    fn new(dry_run: bool) -> Result<Staging, String> {
        let dir = if dry_run {
            crate::root().join("target").join("dry-run-upload")
        } else {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0);
            std::env::temp_dir().join(format!("dragons-upload-{}-{nanos:09}", std::process::id()))
        };
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .map_err(|e| format!("emptying {}: {e}", dir.display()))?;
        }
        std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        Ok(Staging { dir, keep: dry_run })
    }

    fn write(&self, upload: &Upload) -> Result<PathBuf, String> {
        let path = self.dir.join(&upload.name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("creating {}: {e}", parent.display()))?;
        }
        std::fs::write(&path, &upload.body)
            .map_err(|e| format!("writing {}: {e}", path.display()))?;
        Ok(path)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.keep {
            println!(
                "\n  (dry run: the bodies that would be uploaded are in {})",
                self.dir.display()
            );
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Write each upload's body and `aws s3 cp` it with its headers, in the plan's order.
fn upload_all(
    aws: &Aws,
    bucket: &str,
    uploads: &[Upload],
    staging: &Staging,
) -> Result<(), String> {
    for upload in uploads {
        let local = staging.write(upload)?;
        aws.run(&hosting::s3_cp_args(
            &local.display().to_string(),
            bucket,
            upload,
        ))?;
    }
    Ok(())
}

fn check_bucket_name(bucket: &str) -> Result<(), String> {
    let ok = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'.'))
        && bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
        && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "--bucket {bucket:?} is not an S3 bucket name (3-63 lowercase letters, digits, '-' and '.')"
        ))
    }
}

/// Where the uploaded page is served: the endpoint in `AWS_ENDPOINT_URL` (path style, as a
/// local S3 serves it), else the bucket's https REST endpoint.
fn straight_s3_url(bucket: &str, key: &str) -> String {
    match std::env::var("AWS_ENDPOINT_URL") {
        Ok(endpoint) if !endpoint.is_empty() => {
            format!("{}/{bucket}/{key}", endpoint.trim_end_matches('/'))
        }
        _ => format!("https://{bucket}.s3.amazonaws.com/{key}"),
    }
}

fn wants_help(args: &[String], usage: &str) -> bool {
    let help = args.iter().any(|a| a == "--help" || a == "-h");
    if help {
        println!("{usage}");
    }
    help
}

pub fn deploy_site(args: &[String]) -> Result<(), String> {
    if wants_help(args, DEPLOY_SITE_USAGE) {
        return Ok(());
    }
    let options = Options::parse(
        args,
        &["--bucket", "--prefix", "--config", "--dist"],
        &["--dry-run"],
        DEPLOY_SITE_USAGE,
    )?;
    let bucket = options
        .get("--bucket")
        .ok_or_else(|| format!("--bucket is required\n\n{DEPLOY_SITE_USAGE}"))?;
    check_bucket_name(bucket)?;
    let prefix = hosting::normalise_prefix(options.get("--prefix").unwrap_or(""))?;
    let dry_run = options.flag("--dry-run");
    let dist = options
        .get("--dist")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::root().join("dist"));
    let files = read_site(&dist)?;
    let config_path = options
        .get("--config")
        .map(PathBuf::from)
        .unwrap_or_else(|| dist.join("config.json"));
    let config_text = std::fs::read_to_string(&config_path)
        .map_err(|e| format!("reading {}: {e}", config_path.display()))?;
    let config = hosting::parse_config(&config_text)?;
    let policy = hosting::meta_csp(&config)?;
    let uploads = hosting::plan(
        &files,
        &config_text,
        &prefix,
        Hosting::StraightS3,
        Some(&policy),
    )?;

    println!(
        "==> uploading {} to s3://{bucket}/{prefix} for hosting straight from S3{}",
        dist.display(),
        if dry_run {
            " (dry run: printing the commands only)"
        } else {
            ""
        }
    );
    println!("  config.json from {}", config_path.display());
    println!("  <meta> Content-Security-Policy: {policy}");
    let aws = Aws::new(dry_run)?;
    let staging = Staging::new(dry_run)?;
    upload_all(&aws, bucket, &uploads, &staging)?;

    let page = |name: &str| {
        straight_s3_url(
            bucket,
            &if prefix.is_empty() {
                name.to_owned()
            } else {
                format!("{prefix}/{name}")
            },
        )
    };
    println!(
        "\n==> {} {} files. The site: {}",
        if dry_run { "would upload" } else { "uploaded" },
        uploads.len(),
        page("index.html")
    );
    match config.get("redirectUri").and_then(|v| v.as_str()) {
        Some(uri) => println!(
            "  Register config.json's redirectUri ({uri}) as a callback and sign-out URL of the app client."
        ),
        None => println!(
            "  config.json has no redirectUri, so the app sends the page's own URL: register {} as a callback and sign-out URL of the app client.",
            page("index.html")
        ),
    }
    println!(
        "  {} is a copy of the page, so app clients registered with the old workshop's callback URL keep working.",
        page("callback.html")
    );
    println!("  S3 cannot send security headers: the pages carry the policy in a <meta> tag; for HSTS, frame protection and brotli use cargo xtask deploy (CloudFront).");
    if dry_run {
        return Ok(());
    }
    let index = page("index.html");
    let key = if prefix.is_empty() {
        "index.html".to_owned()
    } else {
        format!("{prefix}/index.html")
    };
    println!("\n==> can a visitor read it? An anonymous (unsigned) GET of the page:");
    match anonymous_read(&aws, bucket, &key) {
        Visitor::Served => {
            println!("  ok  {index} answers an anonymous GET: the site is public.");
            Ok(())
        }
        Visitor::Refused(answer) => Err(private_bucket_advice(bucket, &prefix, &index, &answer)),
        Visitor::Unknown(answer) => {
            println!("  ??  could not tell whether visitors can read {index}: {answer}\n      Open it in a browser; a 403 means the bucket is private (see cargo xtask deploy-site --help).");
            Ok(())
        }
    }
}

/// What an anonymous visitor gets for the uploaded page.
#[derive(Debug, PartialEq, Eq)]
enum Visitor {
    Served,
    /// 403: the bucket (or its Block Public Access) does not let the public read it.
    Refused(String),
    /// Anything else (no network, a wrong endpoint): said as it is.
    Unknown(String),
}

/// GET `key` from the bucket without signing, as a visitor's browser does (the CLI's endpoint
/// and region settings honoured, so a local S3 is asked when `AWS_ENDPOINT_URL` names one).
fn anonymous_read(aws: &Aws, bucket: &str, key: &str) -> Visitor {
    let args: Vec<String> = [
        "s3api",
        "get-object",
        "--no-sign-request",
        "--bucket",
        bucket,
        "--key",
        key,
        "/dev/null",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    aws.print(&args);
    match Command::new(&aws.program).args(&args).output() {
        Ok(out) => classify_read(out.status.success(), &String::from_utf8_lossy(&out.stderr)),
        Err(e) => Visitor::Unknown(format!("could not start {}: {e}", aws.program.display())),
    }
}

/// The AWS CLI's verdict on an unsigned GetObject: success, a refusal (403 AccessDenied), or
/// something else.
fn classify_read(success: bool, stderr: &str) -> Visitor {
    let said = stderr
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("")
        .to_owned();
    if success {
        Visitor::Served
    } else if ["(AccessDenied)", "(403)", "Forbidden", "Access Denied"]
        .iter()
        .any(|m| stderr.contains(m))
    {
        Visitor::Refused(said)
    } else {
        Visitor::Unknown(if said.is_empty() {
            "the AWS CLI failed and said nothing".into()
        } else {
            said
        })
    }
}

/// The two AWS CLI commands that let the public read the site's files in `bucket` (under
/// `prefix`): Block Public Access loosened only as far as a public bucket policy needs (ACLs
/// stay blocked), then a policy allowing `s3:GetObject` on the site's keys.
fn public_read_commands(bucket: &str, prefix: &str) -> [Vec<String>; 2] {
    let resource = if prefix.is_empty() {
        format!("arn:aws:s3:::{bucket}/*")
    } else {
        format!("arn:aws:s3:::{bucket}/{prefix}/*")
    };
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "PublicReadForTheDragonsSite",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": resource,
        }],
    });
    let args = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    [
        args(&[
            "s3api",
            "put-public-access-block",
            "--bucket",
            bucket,
            "--public-access-block-configuration",
            "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=false,RestrictPublicBuckets=false",
        ]),
        args(&[
            "s3api",
            "put-bucket-policy",
            "--bucket",
            bucket,
            "--policy",
            &policy.to_string(),
        ]),
    ]
}

/// The failure message for a bucket that refuses anonymous reads: what visitors will see and
/// the two ways out.
fn private_bucket_advice(bucket: &str, prefix: &str, index: &str, answer: &str) -> String {
    let [block, policy] = public_read_commands(bucket, prefix);
    format!(
        "the files are uploaded, but the bucket {bucket} is private: an anonymous GET of {index} was refused ({answer}).\n\
         Every visitor would get 403 Forbidden (an AccessDenied XML page) instead of the app. Two ways out:\n\
         \n  1. Let the public read the site's files (then {index} works; no new upload needed):\n\
         \n       {}\n       {}\n\
         \n  2. Keep buckets private and serve the site through CloudFront: cargo xtask deploy\n\
         \x20    (its own private bucket, read by CloudFront only, with HTTPS and security headers).",
        hosting::command_line("aws", &block),
        hosting::command_line("aws", &policy),
    )
}

/// The stack's parameters given on the command line, as `Name=value`.
fn stack_parameters(options: &Options) -> Result<Vec<(String, String)>, String> {
    let mut parameters = Vec::new();
    let mut put = |name: &str, value: &str| parameters.push((name.to_owned(), value.to_owned()));
    if let Some(prefix) = options.get("--domain-prefix") {
        hosting::check_domain_prefix(prefix)?;
        put("DomainPrefix", prefix);
    }
    let choices: [(&str, &str, &[&str]); 6] = [
        ("--login-ui", "LoginUi", &["classic", "managed"]),
        (
            "--feature-plan",
            "FeaturePlan",
            &["LITE", "ESSENTIALS", "PLUS"],
        ),
        (
            "--refresh-token-rotation",
            "RefreshTokenRotation",
            &["enabled", "disabled"],
        ),
        ("--self-sign-up", "AllowSelfSignUp", &["true", "false"]),
        (
            "--keeper-scope-trigger",
            "KeeperScopeTrigger",
            &["true", "false"],
        ),
        ("--api-stage", "ApiStageName", &[]),
    ];
    for (option, parameter, allowed) in choices {
        if let Some(value) = options.get(option) {
            if !allowed.is_empty() && !allowed.contains(&value) {
                return Err(format!("{option} must be one of {}", allowed.join(", ")));
            }
            if allowed.is_empty()
                && (value.is_empty()
                    || !value
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_'))
            {
                return Err(format!("{option} {value:?}: letters, digits and '_' only"));
            }
            put(parameter, value);
        }
    }
    if let Some(seconds) = options.get("--rotation-grace-seconds") {
        match seconds.parse::<u8>() {
            Ok(s) if s <= 60 => put("RefreshTokenGraceSeconds", seconds),
            _ => return Err("--rotation-grace-seconds must be 0 to 60".into()),
        }
    }
    if let Some(urls) = options.get("--extra-callback-urls") {
        let urls = urls.split(',').map(str::trim).collect::<Vec<_>>().join(",");
        put("ExtraCallbackUrls", &urls);
    }
    Ok(parameters)
}

pub fn deploy(args: &[String]) -> Result<(), String> {
    if wants_help(args, DEPLOY_USAGE) {
        return Ok(());
    }
    let options = Options::parse(
        args,
        &[
            "--stack-name",
            "--domain-prefix",
            "--login-ui",
            "--feature-plan",
            "--refresh-token-rotation",
            "--rotation-grace-seconds",
            "--api-stage",
            "--self-sign-up",
            "--extra-callback-urls",
            "--keeper-scope-trigger",
            "--dist",
        ],
        &["--dry-run", "--no-build"],
        DEPLOY_USAGE,
    )?;
    let given_dist = options.get("--dist").map(PathBuf::from);
    let stack = options.get("--stack-name").unwrap_or("dragons-workshop");
    hosting::check_stack_name(stack)?;
    let parameters = stack_parameters(&options)?;
    let dry_run = options.flag("--dry-run");
    let root = crate::root();
    let template = root.join("infra").join("template.yaml");
    let build = given_dist.is_none() && !options.flag("--no-build");
    let dist = given_dist.unwrap_or_else(|| root.join("dist"));

    if !dry_run && build {
        crate::setup::run()?;
        crate::build_site()?;
    }
    let aws = Aws::new(dry_run)?;
    println!(
        "\n==> the stack {stack}: create or update (CloudFront takes several minutes the first time){}",
        if dry_run {
            " (dry run: printing the commands only)"
        } else {
            ""
        }
    );
    aws.run(&hosting::cloudformation_deploy_args(
        &template.display().to_string(),
        stack,
        &parameters,
    ))?;
    let outputs = match aws.output(&hosting::describe_outputs_args(stack))? {
        Some(json) => hosting::parse_outputs(&json)?,
        // A dry run has no stack to ask: the commands below name its outputs as <placeholders>.
        None => [
            hosting::CONFIG_KEYS
                .iter()
                .map(|k| hosting::output_name(k))
                .collect::<Vec<_>>(),
            [
                "SiteBucket",
                "DistributionId",
                "RestApiId",
                "ApiStage",
                "IamApiId",
                "IamApiStage",
                "SiteUrl",
                "CreateFirstUserCommand",
                "AddDragonKeeperCommand",
            ]
            .map(String::from)
            .to_vec(),
        ]
        .concat()
        .into_iter()
        .map(|k| (k.clone(), format!("<{k}>")))
        .collect(),
    };
    let output = |name: &str| {
        outputs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| format!("the stack {stack} has no output {name}; is it this project's template? (aws cloudformation describe-stacks --stack-name {stack})"))
    };
    let config_json = hosting::config_from_outputs(&outputs)?;
    println!("\n==> config.json from the stack's outputs:\n{config_json}");
    if !dry_run {
        let saved = root.join("target").join(format!("{stack}.config.json"));
        if std::fs::create_dir_all(root.join("target")).is_ok()
            && std::fs::write(&saved, &config_json).is_ok()
        {
            println!(
                "  (saved as {}; cargo xtask deploy-site --config takes it)",
                saved.display()
            );
        }
    }

    let bucket = output("SiteBucket")?;
    println!("==> uploading the site to s3://{bucket} (served by CloudFront)");
    match read_site(&dist) {
        Ok(files) => {
            let uploads = hosting::plan(&files, &config_json, "", Hosting::CloudFront, None)?;
            let staging = Staging::new(dry_run)?;
            upload_all(&aws, &bucket, &uploads, &staging)?;
        }
        Err(e) if dry_run => println!("  ({e}; the upload commands follow the build)"),
        Err(e) => return Err(e),
    }

    println!("\n==> the REST APIs' stages take the current methods and gateway responses (the HTTP API's $default stage deploys itself)");
    aws.run(&hosting::api_redeploy_args(
        &output("RestApiId")?,
        &output("ApiStage")?,
    ))?;
    aws.run(&hosting::api_redeploy_args(
        &output("IamApiId")?,
        &output("IamApiStage")?,
    ))?;
    println!("\n==> CloudFront forgets the old pages");
    aws.run(&hosting::invalidation_args(&output("DistributionId")?))?;

    println!(
        "\n==> {} The site: {}",
        if dry_run {
            "Dry run done."
        } else {
            "Deployed."
        },
        output("SiteUrl")?
    );
    println!("  Next: create the first user (choose its email and password), then sign in there:");
    println!("  {}", output("CreateFirstUserCommand")?);
    // Optional: a stack made before the dragon-keepers group has no such output.
    if let Ok(keeper) = output("AddDragonKeeperCommand") {
        println!("  With --keeper-scope-trigger true only dragon-keepers may report dragons (dragons/write); add one:");
        println!("  {keeper}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options_take_values_either_way_and_refuse_strangers() {
        let o = Options::parse(
            &args(&["--bucket", "b", "--prefix=p/q", "--dry-run"]),
            &["--bucket", "--prefix"],
            &["--dry-run"],
            "usage",
        )
        .unwrap();
        assert_eq!(o.get("--bucket"), Some("b"));
        assert_eq!(o.get("--prefix"), Some("p/q"));
        assert!(o.flag("--dry-run"));
        assert!(Options::parse(&args(&["--bucket"]), &["--bucket"], &[], "usage").is_err());
        assert!(Options::parse(&args(&["--bukket", "b"]), &["--bucket"], &[], "usage").is_err());
        assert!(Options::parse(&args(&["--dry-run=1"]), &[], &["--dry-run"], "usage").is_err());
    }

    #[test]
    fn only_the_parameters_given_are_passed_to_the_stack() {
        let o = Options::parse(
            &args(&[
                "--login-ui",
                "managed",
                "--refresh-token-rotation",
                "enabled",
                "--rotation-grace-seconds",
                "30",
                "--keeper-scope-trigger",
                "true",
                "--extra-callback-urls",
                "https://b.s3.amazonaws.com/callback.html, https://b.s3.amazonaws.com/index.html",
            ]),
            &[
                "--login-ui",
                "--refresh-token-rotation",
                "--rotation-grace-seconds",
                "--keeper-scope-trigger",
                "--extra-callback-urls",
            ],
            &[],
            "usage",
        )
        .unwrap();
        let p = stack_parameters(&o).unwrap();
        let p: Vec<String> = p.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            p,
            [
                "LoginUi=managed",
                "RefreshTokenRotation=enabled",
                "KeeperScopeTrigger=true",
                "RefreshTokenGraceSeconds=30",
                "ExtraCallbackUrls=https://b.s3.amazonaws.com/callback.html,https://b.s3.amazonaws.com/index.html",
            ]
        );
        for bad in [
            ["--login-ui", "fancy"],
            ["--rotation-grace-seconds", "61"],
            ["--api-stage", "a/b"],
            ["--domain-prefix", "my-aws"],
            ["--keeper-scope-trigger", "yes"],
        ] {
            let o = Options::parse(
                &args(&bad),
                &[
                    "--login-ui",
                    "--rotation-grace-seconds",
                    "--api-stage",
                    "--domain-prefix",
                    "--keeper-scope-trigger",
                ],
                &[],
                "usage",
            )
            .unwrap();
            assert!(stack_parameters(&o).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn an_unsigned_read_is_classified_by_what_the_cli_says() {
        assert_eq!(classify_read(true, ""), Visitor::Served);
        assert_eq!(
            classify_read(
                false,
                "\nAn error occurred (AccessDenied) when calling the GetObject operation: Access Denied\n"
            ),
            Visitor::Refused(
                "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied".into()
            )
        );
        assert!(matches!(
            classify_read(
                false,
                "An error occurred (403) when calling the HeadObject operation: Forbidden"
            ),
            Visitor::Refused(_)
        ));
        assert_eq!(
            classify_read(
                false,
                "Could not connect to the endpoint URL: \"http://127.0.0.1:1/b/index.html\"\n"
            ),
            Visitor::Unknown(
                "Could not connect to the endpoint URL: \"http://127.0.0.1:1/b/index.html\"".into()
            )
        );
        assert!(
            matches!(classify_read(false, ""), Visitor::Unknown(m) if m.contains("said nothing"))
        );
    }

    #[test]
    fn the_public_read_commands_open_only_the_sites_keys() {
        let [block, policy] = public_read_commands("my-site", "workshop/2026");
        assert_eq!(
            hosting::command_line("aws", &block),
            "aws s3api put-public-access-block --bucket my-site --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=false,RestrictPublicBuckets=false"
        );
        let document: serde_json::Value = serde_json::from_str(&policy[5]).unwrap();
        assert_eq!(
            document["Statement"][0]["Resource"],
            "arn:aws:s3:::my-site/workshop/2026/*"
        );
        assert_eq!(document["Statement"][0]["Action"], "s3:GetObject");
        assert_eq!(document["Statement"][0]["Principal"], "*");
        let [_, whole] = public_read_commands("my-site", "");
        assert!(
            whole[5].contains("\"arn:aws:s3:::my-site/*\""),
            "{}",
            whole[5]
        );
        let advice = private_bucket_advice(
            "my-site",
            "",
            "https://my-site.s3.amazonaws.com/index.html",
            "Access Denied",
        );
        assert!(advice.contains("bucket my-site is private"), "{advice}");
        assert!(advice.contains("403 Forbidden"), "{advice}");
        assert!(advice.contains("cargo xtask deploy"), "{advice}");
        // The policy is quoted for the shell: copied as printed, it reaches the CLI whole.
        assert!(advice.contains("--policy '{"), "{advice}");
    }

    #[test]
    fn bucket_names_are_checked() {
        assert!(check_bucket_name("my-dragons.site").is_ok());
        for bad in ["My", "ab", "-ab", "a_b", "ab-"] {
            assert!(check_bucket_name(bad).is_err(), "{bad}");
        }
    }
}
