//! # bifrost-http
//!
//! The Bifrost-rs gateway: an HTTP server in front of [`bifrost_core`] that speaks OpenAI's API
//! (`/v1/chat/completions`, `/v1/completions`, `/v1/embeddings`, `/v1/responses`, `/v1/models`)
//! and Bifrost's conventions (`provider/model` names, `fallbacks`, `extra_fields`, `x-bf-*`
//! headers), reading Bifrost's `config.json`, with Bifrost's management API (`/api/*`) over a
//! persistent configuration store and admin authentication ([`auth`]).

pub mod admin;
pub mod auth;
pub mod body;
pub mod cli;
pub mod config_load;
pub mod error;
pub mod logging;
pub mod logs_setup;
pub mod plugins;
pub mod request_context;
pub mod routes;
pub mod server;
pub mod service;
pub mod sse;
pub mod state;
pub mod workers;

pub use server::{Gateway, RunningGateway, spawn};
pub use service::GatewayService;
