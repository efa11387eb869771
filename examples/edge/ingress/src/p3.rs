//! The `wasi:http@0.3` build: an async `handler` on streams and futures.

wit_bindgen::generate!({
    path: "wit-p3",
    world: "paywit:edge-ingress/ingress-p3",
    generate_all,
});

use exports::wasi::http::handler::Guest;
use wasi::http::client;
use wasi::http::types::{ErrorCode, Fields, Method, Request, Response, Scheme as HttpScheme};
use wit_bindgen::{StreamReader, StreamResult};

use crate::config::{misconfigured, Config};
use crate::{Answer, Forward, Refusal};

struct Ingress;

impl Guest for Ingress {
    async fn handle(request: Request) -> Result<Response, ErrorCode> {
        let answer = serve(request).await.unwrap_or_else(Answer::from);
        if let Some(line) = &answer.log {
            log(line).await;
        }
        respond(&answer)
    }
}

export!(Ingress);

async fn log(line: &str) {
    let (mut writer, reader) = wit_stream::new();
    let written = wasi::cli::stderr::write_via_stream(reader);
    writer.write_all(format!("{line}\n").into_bytes()).await;
    drop(writer);
    let _ = written.await;
}

async fn serve(request: Request) -> Result<Answer, Refusal> {
    if !matches!(request.get_method(), Method::Post) {
        return Ok(crate::method_not_allowed());
    }
    let config = Config::read(&wasi::cli::environment::get_environment())?;
    let headers = request.get_headers().copy_all();
    let body = read_body(request, &headers, config.body_limit).await?;
    let now = wasi::clocks::system_clock::now().seconds;
    let forward = crate::verify(&config, &headers, body, now)?;
    send(&config, forward).await
}

/// Reads the body as raw bytes, refusing with 413 past `limit` (by its
/// Content-Length or while reading), after draining it up to the bound, as the
/// `p2` build does.
async fn read_body(request: Request, headers: &[(String, Vec<u8>)], limit: u64) -> Result<Vec<u8>, Refusal> {
    let declared = crate::declared_length(headers);
    let bound = crate::drain_bound(limit);
    let (consumed, consumed_reader) = wit_future::new(|| Ok(()));
    let (mut stream, _trailers) = Request::consume_body(request, consumed_reader);
    if let Some(length) = declared {
        if length > limit {
            if length <= bound && !crate::waits_to_send(headers) {
                drain(&mut stream, length).await;
            }
            return Err(Refusal::quiet(413));
        }
    }
    let mut bytes = Vec::new();
    loop {
        bytes.reserve(crate::READ_CHUNK as usize);
        let (result, read) = stream.read(bytes).await;
        bytes = read;
        if bytes.len() as u64 > limit {
            drain(&mut stream, bound.saturating_sub(bytes.len() as u64)).await;
            return Err(Refusal::quiet(413));
        }
        match result {
            StreamResult::Complete(_) => {}
            StreamResult::Dropped | StreamResult::Cancelled => break,
        }
    }
    drop(consumed);
    Ok(bytes)
}

/// Reads and drops up to `budget` bytes of `stream`, stopping at its end.
async fn drain(stream: &mut StreamReader<u8>, budget: u64) {
    let mut left = budget;
    let mut buffer = Vec::with_capacity(crate::READ_CHUNK as usize);
    while left > 0 {
        buffer.clear();
        let (result, read) = stream.read(buffer).await;
        left = left.saturating_sub(read.len() as u64);
        buffer = read;
        if !matches!(result, StreamResult::Complete(_)) {
            return;
        }
    }
}

/// Sends the verified delivery upstream once.
async fn send(config: &Config, forward: Forward) -> Result<Answer, Refusal> {
    let fields = Fields::from_list(&forward.fields).map_err(|_| Refusal::quiet(400))?;
    let (mut body_writer, body_reader) = wit_stream::new();
    // No trailers: the writer dropped unwritten sends the default, `Ok(None)`.
    let (trailers, trailers_reader) = wit_future::new(|| Ok(None));
    drop(trailers);
    let (outgoing, _transmitted) = Request::new(fields, Some(body_reader), trailers_reader, None);
    let upstream = &config.upstream;
    let scheme = if upstream.https { HttpScheme::Https } else { HttpScheme::Http };
    let set = outgoing.set_method(&Method::Post).is_ok()
        && outgoing.set_scheme(Some(&scheme)).is_ok()
        && outgoing.set_authority(Some(&upstream.authority)).is_ok()
        && outgoing.set_path_with_query(Some(&upstream.path)).is_ok();
    if !set {
        return Err(misconfigured("PAYWIT_UPSTREAM_URL cannot be requested"));
    }
    // The body is written while the request is under way.
    let body = forward.body;
    wit_bindgen::spawn_local(async move {
        body_writer.write_all(body).await;
    });
    let status = match client::send(outgoing).await {
        Ok(response) => Ok(response.get_status_code()),
        Err(error) => Err(format!("{error:?}")),
    };
    Ok(crate::upstream_answer(status))
}

fn respond(answer: &Answer) -> Result<Response, ErrorCode> {
    let fields = Fields::from_list(&crate::response_headers(&answer.headers)).unwrap_or_else(|_| Fields::new());
    let (mut body_writer, body_reader) = wit_stream::new();
    let (trailers, trailers_reader) = wit_future::new(|| Ok(None));
    drop(trailers);
    let (response, _transmitted) = Response::new(fields, Some(body_reader), trailers_reader);
    let _ = response.set_status_code(answer.status);
    let text = crate::response_text(answer.status);
    // The host reads the body once the handler has returned the response.
    wit_bindgen::spawn_local(async move {
        body_writer.write_all(text.to_vec()).await;
    });
    Ok(response)
}
