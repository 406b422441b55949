//! The reverse direction of the Bedrock provider: what the gateway's Bedrock drop-in routes
//! (`/bedrock/model/{modelId}/converse`, `/converse-stream`, for boto3's `bedrock-runtime`
//! client) need to speak Bedrock's Converse API to their callers whatever provider serves them.
//!
//! * [`request`]: Converse request -> unified chat request, plus the adaptation for providers
//!   of other families;
//! * [`response`]: unified chat response -> Converse response;
//! * [`stream`]: unified chunk stream -> ConverseStream events;
//! * [`eventstream`]: AWS event-stream framing of those events (and of exceptions);
//! * [`error`]: errors in Bedrock's shape (exception name and `{"message": ...}`).
//!
//! Everything here is pure translation.

pub mod error;
pub mod eventstream;
pub mod request;
pub mod response;
pub mod stream;
