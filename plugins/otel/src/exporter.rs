//! Building the tracer provider: OTLP exporter (HTTP/protobuf or gRPC), resource and the batch
//! span processor that exports off the request path, as a tokio task.

use std::time::Duration;

use opentelemetry_otlp::{SpanExporter, WithExportConfig, WithHttpConfig, WithTonicConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::runtime::Tokio;
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor;

use crate::config::{OtelError, Protocol, Settings};

/// Time allowed for one export request.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(10);

fn exporter_error(e: impl std::fmt::Display) -> OtelError {
    OtelError::Exporter(e.to_string())
}

fn http_exporter(settings: &Settings) -> Result<SpanExporter, OtelError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut client = reqwest::Client::builder().timeout(EXPORT_TIMEOUT);
    if let Some(pem) = &settings.ca_pem {
        let cert = reqwest::Certificate::from_pem(pem).map_err(exporter_error)?;
        client = client.add_root_certificate(cert);
    }
    let client = client.build().map_err(exporter_error)?;
    SpanExporter::builder()
        .with_http()
        .with_http_client(client)
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
        .with_endpoint(settings.endpoint.clone())
        .with_timeout(EXPORT_TIMEOUT)
        .with_headers(settings.headers.iter().cloned().collect())
        .build()
        .map_err(exporter_error)
}

fn grpc_exporter(settings: &Settings) -> Result<SpanExporter, OtelError> {
    let mut headers = http::HeaderMap::new();
    for (name, value) in &settings.headers {
        if let (Ok(n), Ok(v)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_str(value),
        ) {
            headers.insert(n, v);
        }
    }
    let mut builder = SpanExporter::builder()
        .with_tonic()
        .with_endpoint(settings.endpoint.clone())
        .with_timeout(EXPORT_TIMEOUT)
        .with_metadata(tonic::metadata::MetadataMap::from_headers(headers));
    if settings.endpoint.starts_with("https://") {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut tls = tonic::transport::ClientTlsConfig::new().with_webpki_roots();
        if let Some(pem) = &settings.ca_pem {
            tls = tls.ca_certificate(tonic::transport::Certificate::from_pem(pem));
        }
        builder = builder.with_tls_config(tls);
    }
    builder.build().map_err(exporter_error)
}

/// The tracer provider for `settings`. Must be called inside a tokio runtime: the batch
/// processor runs as a task on it.
pub fn tracer_provider(settings: &Settings) -> Result<SdkTracerProvider, OtelError> {
    if tokio::runtime::Handle::try_current().is_err() {
        return Err(OtelError::Exporter(
            "the exporter must be built inside a tokio runtime".to_owned(),
        ));
    }
    let exporter = match settings.protocol {
        Protocol::Http => http_exporter(settings)?,
        Protocol::Grpc => grpc_exporter(settings)?,
    };
    let processor = BatchSpanProcessor::builder(exporter, Tokio).build();
    // `Resource::builder` reads OTEL_RESOURCE_ATTRIBUTES (and the SDK's own attributes).
    let resource = Resource::builder()
        .with_service_name(settings.service_name.clone())
        .build();
    Ok(SdkTracerProvider::builder()
        .with_span_processor(processor)
        .with_resource(resource)
        .build())
}
