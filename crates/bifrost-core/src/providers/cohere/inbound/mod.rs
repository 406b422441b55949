//! The reverse direction of the Cohere provider: what the gateway's Cohere drop-in routes
//! (`/cohere/v2/chat`, `/v2/embed`, `/v2/rerank`, for Cohere's `ClientV2`) need to speak Cohere's
//! API v2 to their callers whatever provider serves them.
//!
//! * [`request`]: chat, embed and rerank requests -> unified requests;
//! * [`response`]: unified responses -> Cohere responses;
//! * [`stream`]: unified chunk stream -> Cohere v2 chat stream events;
//! * [`error`]: errors in Cohere's shape.
//!
//! Everything here is pure translation.

pub mod error;
pub mod request;
pub mod response;
pub mod stream;
