//! Images, audio and files in OpenAI content parts, as Gemini `inlineData` / `fileData` parts.
//!
//! * `data:<mime>;base64,<data>` URLs become `inlineData` with that media type;
//! * `http(s)://` and `gs://` URLs (and uploaded-file ids) become `fileData` with the media type
//!   guessed from the file extension (Gemini needs one);
//! * `input_audio` becomes `inlineData` with `audio/<format>`.

use super::types::{Blob, FileData, Part};
use crate::error::BifrostError;
use crate::schemas::{ExtraMap, FileData as OpenAiFile, InputAudio};

/// Media type for a path or URL, from its extension.
pub fn mime_from_extension(path: &str) -> Option<&'static str> {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let file = path.rsplit('/').next().unwrap_or(path);
    let ext = file.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "heic" => "image/heic",
        "heif" => "image/heif",
        "pdf" => "application/pdf",
        "mp3" => "audio/mp3",
        "wav" => "audio/wav",
        "flac" => "audio/flac",
        "aac" => "audio/aac",
        "ogg" => "audio/ogg",
        "aiff" => "audio/aiff",
        "m4a" => "audio/mp4",
        "mp4" => "video/mp4",
        "mpeg" | "mpg" => "video/mpeg",
        "mov" => "video/quicktime",
        "webm" => "video/webm",
        "avi" => "video/x-msvideo",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "md" => "text/md",
        "xml" => "text/xml",
        "json" => "application/json",
        _ => return None,
    })
}

/// Splits `data:<mime>;base64,<data>`.
fn split_data_url(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("data:")?;
    let (meta, data) = rest.split_once(',')?;
    let mime = meta.strip_suffix(";base64")?;
    Some((mime, data))
}

fn is_remote(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://") || url.starts_with("gs://")
}

fn inline(mime: &str, data: &str) -> Part {
    Part {
        inline_data: Some(Blob {
            mime_type: mime.to_owned(),
            data: data.to_owned(),
            extra: ExtraMap::new(),
        }),
        ..Part::default()
    }
}

fn by_uri(mime: Option<&str>, uri: &str) -> Part {
    Part {
        file_data: Some(FileData {
            mime_type: mime.map(str::to_owned),
            file_uri: uri.to_owned(),
            extra: ExtraMap::new(),
        }),
        ..Part::default()
    }
}

/// An `image_url` part.
pub fn image_part(url: &str) -> Result<Part, BifrostError> {
    if let Some((mime, data)) = split_data_url(url) {
        let mime = if mime.is_empty() { "image/jpeg" } else { mime };
        return Ok(inline(mime, data));
    }
    if is_remote(url) {
        return Ok(by_uri(
            Some(mime_from_extension(url).unwrap_or("image/jpeg")),
            url,
        ));
    }
    Err(BifrostError::invalid_request(
        "image_url.url must be a data: URL (data:<mime>;base64,<data>) or an http(s):// or gs:// URL",
    )
    .with_param("messages"))
}

/// An `input_audio` part.
pub fn audio_part(audio: &InputAudio) -> Part {
    let format = audio.format.trim().to_ascii_lowercase();
    let mime = match format.as_str() {
        "" => "audio/mpeg".to_owned(),
        f if f.contains('/') => f.to_owned(),
        "mp3" => "audio/mp3".to_owned(),
        f => format!("audio/{f}"),
    };
    inline(&mime, &audio.data)
}

/// A `file` part: inline data, a URL or an uploaded file id.
pub fn file_part(file: &OpenAiFile) -> Result<Part, BifrostError> {
    let declared = ["mime_type", "file_type", "mimeType"]
        .iter()
        .find_map(|k| file.extra.get(*k).and_then(|v| v.as_str()));
    let from_name = file.filename.as_deref().and_then(mime_from_extension);
    if let Some(data) = file.file_data.as_deref() {
        if let Some((mime, payload)) = split_data_url(data) {
            let mime = if mime.is_empty() {
                declared.or(from_name).unwrap_or("application/pdf")
            } else {
                mime
            };
            return Ok(inline(mime, payload));
        }
        if is_remote(data) {
            let mime = declared.or(mime_from_extension(data)).or(from_name);
            return Ok(by_uri(Some(mime.unwrap_or("application/pdf")), data));
        }
        let mime = declared.or(from_name).unwrap_or("application/pdf");
        return Ok(inline(mime, data));
    }
    let uri = file
        .file_id
        .as_deref()
        .or_else(|| file.extra.get("file_url").and_then(|v| v.as_str()));
    if let Some(uri) = uri {
        let mime = declared.or(mime_from_extension(uri)).or(from_name);
        return Ok(by_uri(Some(mime.unwrap_or("application/pdf")), uri));
    }
    Err(
        BifrostError::invalid_request("a file part needs file.file_data or file.file_id")
            .with_param("messages"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_media_types() {
        assert_eq!(
            mime_from_extension("https://x.test/a/cat.PNG?sig=1"),
            Some("image/png")
        );
        assert_eq!(
            mime_from_extension("gs://b/doc.pdf"),
            Some("application/pdf")
        );
        assert_eq!(mime_from_extension("https://x.test/noext"), None);
    }

    #[test]
    fn builds_parts() {
        let p = image_part("data:image/png;base64,AAAA").unwrap();
        assert_eq!(p.inline_data.unwrap().mime_type, "image/png");
        let p = image_part("gs://bucket/cat.webp").unwrap();
        assert_eq!(
            p.file_data.unwrap().mime_type.as_deref(),
            Some("image/webp")
        );
        assert!(image_part("ftp://nope").is_err());
        let audio = InputAudio {
            data: "UklG".into(),
            format: "wav".into(),
            extra: Default::default(),
        };
        assert_eq!(
            audio_part(&audio).inline_data.unwrap().mime_type,
            "audio/wav"
        );
        let file = OpenAiFile {
            file_data: Some("JVBERi0=".into()),
            file_id: None,
            filename: Some("report.pdf".into()),
            extra: Default::default(),
        };
        assert_eq!(
            file_part(&file).unwrap().inline_data.unwrap().mime_type,
            "application/pdf"
        );
    }
}
