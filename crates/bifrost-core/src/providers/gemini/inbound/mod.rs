//! The reverse direction of the Gemini provider: what the gateway's Google GenAI drop-in routes
//! (`/genai/v1beta/models/{model}:generateContent`, ..., for the Google GenAI SDKs) need to
//! speak Gemini's API to their callers whatever provider serves them.
//!
//! * [`request`]: `generateContent` / `countTokens` bodies -> unified chat and count tokens
//!   requests, and the adaptation for providers of other families;
//! * [`contents`]: `contents` and `systemInstruction` -> the unified conversation;
//! * [`schema`]: Gemini's OpenAPI-style `Schema` -> JSON Schema;
//! * [`response`]: unified chat response -> `GenerateContentResponse`;
//! * [`stream`]: unified chunk stream -> streamed `GenerateContentResponse`s (SSE or JSON array);
//! * [`embed`]: `embedContent` / `batchEmbedContents` <-> unified embeddings;
//! * [`models`]: the model list in Google's shape;
//! * [`error`]: errors in Google's envelope.
//!
//! Everything here is pure translation. When the target is Gemini itself (or Vertex AI's
//! Gemini models), a request goes Gemini -> unified -> Gemini and arrives as the caller wrote
//! it: thought parts keep their signatures, function calls their ids, parts their unknown fields
//! and built-in tools their settings (see [`super::native`]).

pub mod contents;
pub mod embed;
pub mod error;
pub mod models;
pub mod request;
pub mod response;
pub mod schema;
pub mod stream;
