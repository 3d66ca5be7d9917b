//! The Dragons login SPA: the Amazon Cognito Hosted UI login flow, done right and shown step by
//! step. `config` is the pure core (tested natively); `web` is the thin browser shell; `ui` shows.

pub mod api;
pub mod auth;
pub mod codec;
pub mod config;
pub mod json;
pub mod preflight;
pub mod trace;
pub mod ui;
pub mod web;
pub mod workshop;
