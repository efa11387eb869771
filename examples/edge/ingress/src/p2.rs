//! The `wasi:http@0.2` build: an `incoming-handler` on blocking streams.

wit_bindgen::generate!({
    path: "wit",
    world: "paywit:edge-ingress/ingress",
    generate_all,
});

use exports::wasi::http::incoming_handler::Guest;
use wasi::http::outgoing_handler;
use wasi::http::types::{
    ErrorCode, Fields, IncomingRequest, Method, OutgoingBody, OutgoingRequest, OutgoingResponse, ResponseOutparam,
    Scheme as HttpScheme,
};
use wasi::io::streams::{InputStream, StreamError};

use crate::config::{misconfigured, Config};
use crate::{Answer, Forward, Refusal};

struct Ingress;

impl Guest for Ingress {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let answer = serve(request).unwrap_or_else(Answer::from);
        if let Some(line) = &answer.log {
            log(line);
        }
        respond(out, &answer);
    }
}

export!(Ingress);

fn log(line: &str) {
    let stderr = wasi::cli::stderr::get_stderr();
    let _ = stderr.blocking_write_and_flush(format!("{line}\n").as_bytes());
}

fn serve(request: IncomingRequest) -> Result<Answer, Refusal> {
    if !matches!(request.method(), Method::Post) {
        return Ok(crate::method_not_allowed());
    }
    let config = Config::read(&wasi::cli::environment::get_environment())?;
    let headers = request.headers().entries();
    let body = read_body(request, &headers, config.body_limit)?;
    let now = wasi::clocks::wall_clock::now().seconds as i64;
    let forward = crate::verify(&config, &headers, body, now)?;
    send(&config, forward)
}

/// Reads the body as raw bytes, refusing with 413 past `limit` (by its
/// Content-Length or while reading). Before a 413 the rest of the body is read
/// and dropped, up to the drain bound (see `DRAIN_FLOOR`), so the sender sees
/// the 413 and not a reset; not for a sender that sent `Expect: 100-continue`
/// and waits to be invited before sending the body (a read would invite it).
fn read_body(request: IncomingRequest, headers: &[(String, Vec<u8>)], limit: u64) -> Result<Vec<u8>, Refusal> {
    let declared = crate::declared_length(headers);
    let bound = crate::drain_bound(limit);
    let body = request.consume().map_err(|_| Refusal::quiet(400))?;
    let stream = body.stream().map_err(|_| Refusal::quiet(400))?;
    if let Some(length) = declared {
        if length > limit {
            if length <= bound && !crate::waits_to_send(headers) {
                drain(&stream, length);
            }
            return Err(Refusal::quiet(413));
        }
    }
    let mut bytes = Vec::new();
    loop {
        match stream.blocking_read(crate::READ_CHUNK) {
            Ok(chunk) => {
                bytes.extend_from_slice(&chunk);
                if bytes.len() as u64 > limit {
                    drain(&stream, bound.saturating_sub(bytes.len() as u64));
                    return Err(Refusal::quiet(413));
                }
            }
            Err(StreamError::Closed) => break,
            Err(_) => return Err(Refusal::quiet(400)),
        }
    }
    drop(stream);
    Ok(bytes)
}

/// Reads and drops up to `budget` bytes of `stream`, stopping at its end or an error.
fn drain(stream: &InputStream, budget: u64) {
    let mut left = budget;
    while left > 0 {
        match stream.blocking_read(left.min(crate::READ_CHUNK)) {
            Ok(chunk) => left = left.saturating_sub(chunk.len() as u64),
            Err(_) => return,
        }
    }
}

/// Sends the verified delivery upstream once.
fn send(config: &Config, forward: Forward) -> Result<Answer, Refusal> {
    let outgoing = OutgoingRequest::new(Fields::from_list(&forward.fields).map_err(|_| Refusal::quiet(400))?);
    let upstream = &config.upstream;
    let scheme = if upstream.https { HttpScheme::Https } else { HttpScheme::Http };
    let set = outgoing.set_method(&Method::Post).is_ok()
        && outgoing.set_scheme(Some(&scheme)).is_ok()
        && outgoing.set_authority(Some(&upstream.authority)).is_ok()
        && outgoing.set_path_with_query(Some(&upstream.path)).is_ok();
    if !set {
        return Err(misconfigured("PAYWIT_UPSTREAM_URL cannot be requested"));
    }
    let outgoing_body = outgoing.body().map_err(|_| Refusal::quiet(503))?;
    let response = outgoing_handler::handle(outgoing, None);
    let sent = write_all(&outgoing_body, &forward.body);
    OutgoingBody::finish(outgoing_body, None).map_err(|_| Refusal::quiet(503))?;
    let status = match (sent, response) {
        (true, Ok(future)) => {
            future.subscribe().block();
            match future.get() {
                Some(Ok(Ok(response))) => Ok(response.status()),
                Some(Ok(Err(error))) => Err(error),
                _ => Err(ErrorCode::InternalError(None)),
            }
        }
        (_, Err(error)) => Err(error),
        (false, Ok(_)) => Err(ErrorCode::InternalError(None)),
    };
    Ok(crate::upstream_answer(status.map_err(|error| format!("{error:?}"))))
}

fn write_all(body: &OutgoingBody, bytes: &[u8]) -> bool {
    let Ok(stream) = body.write() else { return false };
    // blocking-write-and-flush takes at most 4096 bytes a call.
    let ok = bytes.chunks(4096).all(|chunk| stream.blocking_write_and_flush(chunk).is_ok());
    drop(stream);
    ok
}

fn respond(out: ResponseOutparam, answer: &Answer) {
    let fields = Fields::from_list(&crate::response_headers(&answer.headers)).unwrap_or_else(|_| Fields::new());
    let response = OutgoingResponse::new(fields);
    let _ = response.set_status_code(answer.status);
    let body = response.body().expect("a new response has a body");
    ResponseOutparam::set(out, Ok(response));
    write_all(&body, crate::response_text(answer.status));
    let _ = OutgoingBody::finish(body, None);
}
