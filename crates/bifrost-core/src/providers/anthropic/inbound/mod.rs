//! The reverse direction of the Anthropic provider: what the gateway's Anthropic drop-in route
//! (`/anthropic/v1/messages`, for the Anthropic SDKs) needs to speak Anthropic's API to its
//! callers whatever provider serves them.
//!
//! * [`request`]: Messages API request -> unified chat request (and count tokens), plus the
//!   adaptation for providers of other families;
//! * [`response`]: unified chat response -> Anthropic `message`;
//! * [`stream`]: unified chunk stream -> Anthropic stream events;
//! * [`models`]: the model list in Anthropic's paged shape;
//! * [`error`]: errors in Anthropic's envelope.
//!
//! Everything here is pure translation. When the target is Anthropic itself, a request goes
//! Anthropic -> unified -> Anthropic and arrives as the caller wrote it: thinking blocks keep
//! their signatures, `cache_control` stays where it was, and block types the unified shape does
//! not model travel as parts of their own type with their fields unchanged.

pub mod error;
pub mod models;
pub mod request;
pub mod response;
pub mod stream;
