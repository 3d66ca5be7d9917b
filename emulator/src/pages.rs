//! The Hosted UI's HTML: login, sign-up, confirmation and error pages, plainly styled like
//! Cognito's classic Hosted UI. Every value from a request is HTML-escaped.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

pub fn escape(s: &str) -> String {
    html_escape::encode_double_quoted_attribute(s).into_owned()
}

/// A `302 Found` to `location`, as Cognito answers (axum's `Redirect::to` is a 303).
pub fn found(location: &str) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

const STYLE: &str = r#"
body{margin:0;font-family:"Amazon Ember",system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#fafafa;color:#333}
.card{max-width:380px;margin:8vh auto;background:#fff;border:1px solid #ddd;border-radius:6px;box-shadow:0 2px 8px rgba(0,0,0,.08);padding:28px 32px}
.banner{text-align:center;font-size:20px;font-weight:600;margin-bottom:18px;color:#1a2b3c}
.banner small{display:block;font-size:12px;font-weight:400;color:#595959;margin-top:4px}
h1{font-size:18px;margin:0 0 14px}
label{display:block;font-size:14px;margin:12px 0 4px}
input[type=text],input[type=password],input[type=email]{width:100%;box-sizing:border-box;padding:9px 10px;font-size:15px;border:1px solid #ccc;border-radius:4px}
input:focus{outline:2px solid #0073bb;border-color:#0073bb}
button{margin-top:18px;width:100%;padding:10px;font-size:15px;font-weight:600;color:#fff;background:#0073bb;border:0;border-radius:4px;cursor:pointer}
.error{background:#fdecea;border:1px solid #e5a39b;color:#a61b1b;padding:8px 10px;border-radius:4px;font-size:14px}
.note{background:#eef6fb;border:1px solid #9cc7e4;padding:8px 10px;border-radius:4px;font-size:14px}
.alt{margin-top:16px;font-size:14px;text-align:center}
a{color:#0073bb}
"#;

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\"><title>{}</title><style>{STYLE}</style></head>\
         <body><main class=\"card\"><div class=\"banner\">Dragons<small>local Cognito Hosted UI</small></div>{body}</main></body></html>",
        escape(title)
    ))
}

/// An error page in place of a redirect (unknown client, unregistered redirect_uri, …).
pub fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = format!(
        "<h1>An error was encountered with the requested page.</h1><p class=\"error\" data-error=\"{}\">{}</p>",
        escape(code),
        escape(message)
    );
    (status, page("Error", &body)).into_response()
}

/// The hidden CSRF field every form carries.
fn csrf_field(csrf: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"_csrf\" value=\"{}\">",
        escape(csrf)
    )
}

pub fn login(
    query: &str,
    csrf: &str,
    username: Option<&str>,
    problem: Option<&str>,
) -> Html<String> {
    let problem = problem
        .map(|p| {
            format!(
                "<p class=\"error\" id=\"loginErrorMessage\" role=\"alert\">{}</p>",
                escape(p)
            )
        })
        .unwrap_or_default();
    page(
        "Signin",
        &format!(
            "<h1>Sign in with your username and password</h1>{problem}\
             <form method=\"post\" action=\"/login?{q}\">{c}\
             <label for=\"signInFormUsername\">Username</label>\
             <input id=\"signInFormUsername\" name=\"username\" type=\"text\" autocomplete=\"username\" autocapitalize=\"none\" required value=\"{u}\">\
             <label for=\"signInFormPassword\">Password</label>\
             <input id=\"signInFormPassword\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
             <button type=\"submit\" name=\"signInSubmitButton\">Sign in</button></form>\
             <p class=\"alt\">Need an account? <a href=\"/signup?{q}\">Sign up</a></p>",
            q = escape(query),
            c = csrf_field(csrf),
            u = escape(username.unwrap_or("")),
        ),
    )
}

pub fn signup(query: &str, csrf: &str, problem: Option<&str>) -> Html<String> {
    let problem = problem
        .map(|p| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(p)))
        .unwrap_or_default();
    page(
        "Signup",
        &format!(
            "<h1>Sign up with a new account</h1>{problem}\
             <form method=\"post\" action=\"/signup?{q}\">{c}\
             <label for=\"username\">Username</label><input id=\"username\" name=\"username\" type=\"text\" autocapitalize=\"none\" required>\
             <label for=\"email\">Email</label><input id=\"email\" name=\"email\" type=\"email\" required>\
             <label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" required>\
             <button type=\"submit\">Sign up</button></form>\
             <p class=\"note\">The confirmation code is printed in the emulator's console.</p>\
             <p class=\"alt\">Already have an account? <a href=\"/login?{q}\">Sign in</a></p>",
            q = escape(query),
            c = csrf_field(csrf),
        ),
    )
}

pub fn confirm(query: &str, csrf: &str, username: &str, problem: Option<&str>) -> Html<String> {
    let problem = problem
        .map(|p| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(p)))
        .unwrap_or_default();
    page(
        "Confirm",
        &format!(
            "<h1>Confirm your account</h1>{problem}\
             <p class=\"note\">We have sent a code by email. (Here: look in the emulator's console.)</p>\
             <form method=\"post\" action=\"/confirmUser?{q}\">{c}\
             <input type=\"hidden\" name=\"username\" value=\"{u}\">\
             <label for=\"code\">Verification Code</label><input id=\"code\" name=\"code\" type=\"text\" inputmode=\"numeric\" autocomplete=\"one-time-code\" required>\
             <button type=\"submit\">Confirm Account</button></form>",
            q = escape(query),
            c = csrf_field(csrf),
            u = escape(username),
        ),
    )
}

/// The classic Hosted UI's "Change Password" form, shown after signing in with a temporary
/// password (`FORCE_CHANGE_PASSWORD`).
pub fn change_password(
    query: &str,
    csrf: &str,
    session: &str,
    problem: Option<&str>,
) -> Html<String> {
    let problem = problem
        .map(|p| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(p)))
        .unwrap_or_default();
    page(
        "Change Password",
        &format!(
            "<h1>Change Password</h1>{problem}\
             <p class=\"note\">Please enter a new password.</p>\
             <form method=\"post\" action=\"/forceChangePassword?{q}\">{c}\
             <input type=\"hidden\" name=\"session\" value=\"{s}\">\
             <label for=\"new_password\">New Password</label><input id=\"new_password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" required>\
             <label for=\"confirm_password\">Enter New Password Again</label><input id=\"confirm_password\" name=\"confirm_password\" type=\"password\" autocomplete=\"new-password\" required>\
             <button type=\"submit\">Send</button></form>",
            q = escape(query),
            c = csrf_field(csrf),
            s = escape(session),
        ),
    )
}
