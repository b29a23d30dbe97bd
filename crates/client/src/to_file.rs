//! Generating straight into files: each image's base64 is decoded as the body arrives into
//! a temporary file next to its destination, and renamed into place once the whole
//! response is in and has a final image. The body and the image are never held in memory
//! (a 20 MB image costs a few MB of resident memory, not 50); a failed attempt, a retry or
//! an answer without an image leaves no file behind, and a name is never half-written.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use gemini_image_core::{
    BodyReader, Bytes, Call, DimensionProbe, Error, GenerateRequest, GenerateResponse, HttpRequest,
    ImageSink, parse_response,
};
use tempfile::NamedTempFile;

use crate::call::CallOptions;
use crate::client::{CallInfo, Client};
use crate::save::{SavedImage, io_error, persist, plan_output, temp_file_for};
use crate::transport;

/// One final image written to a file.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WrittenImage {
    /// Where it was written, and whether the name had to change.
    pub saved: SavedImage,
    /// The MIME type the response declared.
    pub mime_type: String,
    /// The file's size in bytes.
    pub bytes: u64,
    /// Pixel width and height, read from the image header.
    pub dimensions: Option<(u32, u32)>,
}

/// What [`Client::generate_to_files`] produced.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct GeneratedFiles {
    /// The response. Its final images carry no bytes (they are in the files); thought
    /// images, text, finish reason, usage and the rest are all there.
    pub response: GenerateResponse,
    /// The final images, in order, as written.
    pub images: Vec<WrittenImage>,
    /// Notes about names (the extension asked for replaced by the image's), for front
    /// doors to show; an existing file kept is in each image's [`SavedImage`].
    pub warnings: Vec<String>,
}

/// Marks an image that went to a file: these bytes then its index.
const FILE_TOKEN: [u8; 8] = *b"\x00gi-file";

/// An image being written to its temporary file.
struct PartFile {
    file: BufWriter<NamedTempFile>,
    bytes: u64,
    dimensions: DimensionProbe,
}

/// The sink that writes each image to a temporary file in `dir`.
struct FileSink {
    /// A path inside the destination directory (the temporary files go next to it).
    near: PathBuf,
    current: Option<PartFile>,
    done: Vec<PartFile>,
}

impl ImageSink for FileSink {
    fn begin(&mut self, _index: usize) -> Result<(), Error> {
        let file = temp_file_for(&self.near)?;
        self.current = Some(PartFile {
            file: BufWriter::with_capacity(256 * 1024, file),
            bytes: 0,
            dimensions: DimensionProbe::new(),
        });
        Ok(())
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let Some(part) = self.current.as_mut() else {
            return Err(Error::internal("image bytes arrived outside an image"));
        };
        part.dimensions.feed(bytes);
        part.bytes += bytes.len() as u64;
        part.file
            .write_all(bytes)
            .map_err(|e| io_error("cannot write", &self.near, &e))
    }

    fn end(&mut self) -> Result<Bytes, Error> {
        let Some(part) = self.current.take() else {
            return Err(Error::internal("an image ended that never began"));
        };
        let index = u64::try_from(self.done.len()).unwrap_or(u64::MAX);
        self.done.push(part);
        let mut token = FILE_TOKEN.to_vec();
        token.extend_from_slice(&index.to_le_bytes());
        Ok(Bytes::from(token))
    }
}

fn token_index(data: &[u8]) -> Option<usize> {
    let index: [u8; 8] = data.strip_prefix(&FILE_TOKEN)?.try_into().ok()?;
    usize::try_from(u64::from_le_bytes(index)).ok()
}

impl Client {
    /// Generates like [`Client::generate`], writing each final image straight to a file
    /// as it is decoded: `output` is a file path or a directory (ending in `/` or
    /// existing); without one the file is `stem` in the current directory. The extension
    /// follows the image's MIME type and, unless `overwrite`, an existing file is kept and
    /// the next free name used (the rules of [`plan_output`]).
    ///
    /// Memory stays at a few MB whatever the image size. A failed attempt, a retry or a
    /// response without an image (an [`Error::NoImage`]) leaves no file behind.
    pub fn generate_to_files(
        &self,
        request: &GenerateRequest,
        output: Option<&Path>,
        stem: &str,
        overwrite: bool,
        options: &CallOptions,
    ) -> (Result<GeneratedFiles, Error>, CallInfo) {
        // Temporary files go where the images will go, so the final rename is atomic.
        let near = plan_output(output, stem, &["image/png"])
            .paths
            .into_iter()
            .next()
            .unwrap_or_else(|| PathBuf::from(stem));
        let (result, info) =
            self.build_and_retry(request, Call::Generate, options, |http, timeout| {
                self.attempt_to_files(http, timeout, &near)
            });
        let key = self.inner.key.expose();
        let result = result
            .and_then(|(response, sink)| {
                let response = response.require_image()?;
                place(response, sink, output, stem, overwrite)
            })
            .map_err(|e| e.redact(key));
        (result, info)
    }

    /// One attempt, its images decoded into temporary files next to `near`.
    fn attempt_to_files(
        &self,
        http: &HttpRequest,
        timeout: Option<Duration>,
        near: &Path,
    ) -> Result<(GenerateResponse, FileSink), Error> {
        let inner = &self.inner;
        let response = transport::send(
            &inner.agent,
            http,
            &inner.user_agent,
            transport::Limit::Whole(timeout),
        )?;
        let (status, headers) = transport::head(&response);
        if !(200..300).contains(&status) {
            let body = transport::read_error_body(response.into_body())?;
            return Err(match parse_response(status, &headers, &body) {
                Err(err) => err,
                Ok(_) => Error::internal("a non-2xx response parsed as a success"),
            });
        }
        let mut reader = BodyReader::with_sink(FileSink {
            near: near.to_path_buf(),
            current: None,
            done: Vec::new(),
        });
        transport::read_body_into(response.into_body(), inner.max_response_bytes, &mut reader)?;
        let (parsed, sink) = reader.finish_with_sink(status);
        Ok((parsed?, sink))
    }
}

/// Moves the final images' files into place and reads the (small) thought images back.
fn place(
    mut response: GenerateResponse,
    sink: FileSink,
    output: Option<&Path>,
    stem: &str,
    overwrite: bool,
) -> Result<GeneratedFiles, Error> {
    let near = sink.near.clone();
    let mut parts: Vec<Option<PartFile>> = sink.done.into_iter().map(Some).collect();
    let finals: Vec<(usize, String)> = response
        .images()
        .iter()
        .filter_map(|blob| token_index(&blob.data).map(|i| (i, blob.mime_type.clone())))
        .collect();
    // Everything else that went to a file (thought images) comes back into memory.
    let mut failure = None;
    response.for_each_blob_mut(|blob| {
        let Some(index) = token_index(&blob.data) else {
            return;
        };
        if finals.iter().any(|(i, _)| *i == index) {
            blob.data = Bytes::new();
            return;
        }
        if let Some(part) = parts.get_mut(index).and_then(Option::take) {
            match read_back(part, &near) {
                Ok(bytes) => blob.data = bytes.into(),
                Err(err) => {
                    failure.get_or_insert(err);
                }
            }
        }
    });
    if let Some(err) = failure {
        return Err(err);
    }
    let mimes: Vec<&str> = finals.iter().map(|(_, mime)| mime.as_str()).collect();
    let plan = plan_output(output, stem, &mimes);
    let warnings = plan.warnings;
    let mut images = Vec::with_capacity(finals.len());
    for ((index, mime_type), path) in finals.iter().zip(plan.paths) {
        let Some(part) = parts.get_mut(*index).and_then(Option::take) else {
            return Err(Error::internal("a final image has no file"));
        };
        let dimensions = part.dimensions.finish();
        let bytes = part.bytes;
        let file = part
            .file
            .into_inner()
            .map_err(|e| io_error("cannot write", &path, e.error()))?;
        let saved = persist(file, &path, overwrite)?;
        images.push(WrittenImage {
            saved,
            mime_type: mime_type.clone(),
            bytes,
            dimensions,
        });
    }
    Ok(GeneratedFiles {
        response,
        images,
        warnings,
    })
}

fn read_back(part: PartFile, near: &Path) -> Result<Vec<u8>, Error> {
    let file = part
        .file
        .into_inner()
        .map_err(|e| io_error("cannot write", near, e.error()))?;
    std::fs::read(file.path()).map_err(|e| io_error("cannot read back", file.path(), &e))
}
