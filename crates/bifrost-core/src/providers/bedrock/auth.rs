//! Bedrock credentials and request signing.
//!
//! A key authenticates in one of two ways:
//! * a **Bedrock API key** in the key's `value`: sent as `Authorization: Bearer <value>`;
//! * **AWS SigV4** (service `bedrock`) from `bedrock_key_config` `access_key`, `secret_key` and
//!   `session_token` (each may be `env.NAME`), or, when those are empty, from the standard
//!   environment variables `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`.
//!
//! The region comes from `bedrock_key_config.region`, else `AWS_REGION` / `AWS_DEFAULT_REGION`.
//! Signing is done by the `aws-sigv4` crate with the settings AWS SDKs use for Bedrock.

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use indexmap::IndexMap;
use serde::Deserialize;

use crate::config::{SecretString, resolve_env_ref};
use crate::error::{BifrostError, ErrorKind};
use crate::key::Key;

/// The SigV4 service name of Bedrock Runtime.
pub const SIGNING_SERVICE: &str = "bedrock";

/// `bedrock_key_config` of a key.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BedrockKeyConfig {
    /// AWS region (`us-east-1`), or `env.NAME`.
    #[serde(default)]
    pub region: Option<String>,
    /// Access key id, or `env.NAME`.
    #[serde(default)]
    pub access_key: Option<String>,
    /// Secret access key, or `env.NAME`.
    #[serde(default)]
    pub secret_key: Option<String>,
    /// Session token of temporary credentials, or `env.NAME`.
    #[serde(default)]
    pub session_token: Option<String>,
    /// ARN prefix of inference profiles: the model id becomes `{arn}/{deployment}`.
    #[serde(default)]
    pub arn: Option<String>,
    /// Model name -> deployment (inference profile id), Bifrost v1.4 style.
    #[serde(default)]
    pub deployments: Option<IndexMap<String, String>>,
}

/// How requests of a key are authenticated.
#[derive(Debug, Clone)]
pub enum BedrockAuth {
    /// `Authorization: Bearer <Bedrock API key>`.
    ApiKey(SecretString),
    /// AWS SigV4 with these credentials (`Debug` redacts the secrets).
    SigV4(Credentials),
}

/// A key ready for use: region, authentication and model-id rules.
#[derive(Debug, Clone)]
pub struct ResolvedKey {
    /// AWS region.
    pub region: String,
    /// Authentication.
    pub auth: BedrockAuth,
    /// Inference-profile ARN prefix.
    pub arn: Option<String>,
    /// Model name -> deployment.
    pub deployments: IndexMap<String, String>,
}

impl ResolvedKey {
    /// The Bedrock model id for `model`: a deployment when one is configured, prefixed with the
    /// `arn` when one is set.
    pub fn model_id(&self, model: &str) -> String {
        let deployment = self
            .deployments
            .get(model)
            .map(String::as_str)
            .unwrap_or(model);
        match self.arn.as_deref().filter(|a| !a.is_empty()) {
            Some(arn) if !deployment.starts_with("arn:") => {
                format!("{}/{deployment}", arn.trim_end_matches('/'))
            }
            _ => deployment.to_owned(),
        }
    }
}

fn not_configured(message: String) -> BifrostError {
    BifrostError::new(ErrorKind::ProviderNotConfigured, message).with_code("invalid_key_config")
}

fn config_value(value: Option<&str>, what: &str) -> Result<Option<String>, BifrostError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => resolve_env_ref(v)
            .map(|v| Some(v).filter(|v| !v.is_empty()))
            .map_err(|e| not_configured(format!("bedrock_key_config.{what}: {e}"))),
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Resolves a key's region and credentials.
pub fn resolve(key: &Key) -> Result<ResolvedKey, BifrostError> {
    let config: BedrockKeyConfig = match &key.config.bedrock_key_config {
        None => BedrockKeyConfig::default(),
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| {
            not_configured(format!(
                "key {:?}: bedrock_key_config is invalid: {e}",
                key.name
            ))
        })?,
    };
    let region = config_value(config.region.as_deref(), "region")?
        .or_else(|| env("AWS_REGION"))
        .or_else(|| env("AWS_DEFAULT_REGION"))
        .ok_or_else(|| {
            not_configured(format!(
                "key {:?}: bedrock_key_config.region is required (or set AWS_REGION)",
                key.name
            ))
        })?;
    let auth = if !key.value.is_empty() {
        BedrockAuth::ApiKey(key.value.clone())
    } else {
        let access = config_value(config.access_key.as_deref(), "access_key")?;
        let secret = config_value(config.secret_key.as_deref(), "secret_key")?;
        let token = config_value(config.session_token.as_deref(), "session_token")?;
        let (access, secret, token) = match (access, secret) {
            (Some(a), Some(s)) => (a, s, token),
            (None, None) => match (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
                (Some(a), Some(s)) => (a, s, env("AWS_SESSION_TOKEN")),
                _ => {
                    return Err(not_configured(format!(
                        "key {:?} has no credentials: set the key's value to a Bedrock API key, \
                         bedrock_key_config.access_key and secret_key, or AWS_ACCESS_KEY_ID and \
                         AWS_SECRET_ACCESS_KEY",
                        key.name
                    )));
                }
            },
            _ => {
                return Err(not_configured(format!(
                    "key {:?}: bedrock_key_config needs both access_key and secret_key",
                    key.name
                )));
            }
        };
        BedrockAuth::SigV4(Credentials::new(access, secret, token, None, "bifrost"))
    };
    Ok(ResolvedKey {
        region,
        auth,
        arn: config_value(config.arn.as_deref(), "arn")?,
        deployments: config.deployments.unwrap_or_default(),
    })
}

/// Signs a request; returns the headers to add (`authorization`, `x-amz-date` and, with
/// temporary credentials, `x-amz-security-token`).
///
/// `headers` are the request's headers that must be covered by the signature (besides `host`,
/// which is taken from `url`).
pub fn sign_request(
    credentials: &Credentials,
    region: &str,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    time: SystemTime,
) -> Result<Vec<(&'static str, String)>, BifrostError> {
    let identity = credentials.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(SIGNING_SERVICE)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| BifrostError::internal(format!("cannot build SigV4 parameters: {e}")))?;
    let signable = SignableRequest::new(
        method,
        url,
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )
    .map_err(|e| BifrostError::internal(format!("cannot sign the Bedrock request: {e}")))?;
    let (instructions, _signature) = sign(signable, &params.into())
        .map_err(|e| BifrostError::internal(format!("cannot sign the Bedrock request: {e}")))?
        .into_parts();
    let (headers, _params) = instructions.into_parts();
    Ok(headers
        .into_iter()
        .map(|h| (h.name(), h.value().to_owned()))
        .collect())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;
    use crate::config::KeyConfig;

    fn key(value: &str, config: serde_json::Value) -> Key {
        Key {
            id: Arc::from("k"),
            name: Arc::from("k"),
            value: SecretString::new(value),
            weight: 1.0,
            config: Arc::new(KeyConfig {
                bedrock_key_config: Some(config),
                ..KeyConfig::default()
            }),
        }
    }

    #[test]
    fn api_keys_and_static_credentials_resolve() {
        let k = resolve(&key(
            "bedrock-api-key",
            serde_json::json!({"region": "eu-west-1"}),
        ))
        .unwrap();
        assert_eq!(k.region, "eu-west-1");
        assert!(matches!(k.auth, BedrockAuth::ApiKey(_)));
        let k = resolve(&key(
            "",
            serde_json::json!({"region": "us-east-1", "access_key": "AKID", "secret_key": "SECRET"}),
        ))
        .unwrap();
        let BedrockAuth::SigV4(c) = &k.auth else {
            panic!("expected sigv4")
        };
        assert_eq!(c.access_key_id(), "AKID");
        assert!(!format!("{k:?}").contains("SECRET"), "secrets never print");
        let err = resolve(&key(
            "",
            serde_json::json!({"region": "us-east-1", "access_key": "AKID"}),
        ))
        .unwrap_err();
        assert!(err.message().contains("secret_key"), "{}", err.message());
    }

    #[test]
    fn deployments_and_arns_build_model_ids() {
        let k = resolve(&key(
            "x",
            serde_json::json!({
                "region": "us-east-1",
                "arn": "arn:aws:bedrock:us-east-1:123456789012:inference-profile",
                "deployments": {"claude": "us.anthropic.claude-3-5-sonnet-20241022-v2:0"}
            }),
        ))
        .unwrap();
        assert_eq!(
            k.model_id("claude"),
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0"
        );
    }

    #[test]
    fn signing_matches_the_sigv4_test_suite_shape() {
        let creds = Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            None,
            None,
            "t",
        );
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_440_938_160); // 2015-08-30T12:36:00Z
        let headers = sign_request(
            &creds,
            "us-east-1",
            "POST",
            "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-pro-v1%3A0/converse",
            &[("content-type", "application/json")],
            b"{}",
            time,
        )
        .unwrap();
        let auth = &headers
            .iter()
            .find(|(n, _)| *n == "authorization")
            .unwrap()
            .1;
        assert!(auth.starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature="
        ), "{auth}");
        let date = &headers.iter().find(|(n, _)| *n == "x-amz-date").unwrap().1;
        assert_eq!(date, "20150830T123600Z");
    }
}
