//! Frames that arrive on a connection: responses go to whoever sent the
//! request (a role or the engine, by opaque); broker → client requests go to
//! the role that serves their code (Java `ClientRemotingProcessor`), and a
//! code no role serves is answered REQUEST_CODE_NOT_SUPPORTED, as a Java
//! client answers codes it has no processor for.

use mio::Token;

use super::engine::Engine;
use super::role::Roles;
use crate::codec::RemotingCommand;
use crate::protocol::response_code;

/// Hands one decoded frame from `token` on.
pub(super) fn on_frame(
    engine: &mut Engine,
    roles: &mut Roles,
    token: Token,
    frame: RemotingCommand,
) {
    if frame.is_response() {
        // Sends are the common case: roles first, then the engine.
        if !roles.on_response(engine, token, &frame) {
            engine.on_response(&frame);
        }
        return;
    }
    if let Some(role) = roles.serving(frame.code) {
        role.on_request(engine, token, frame);
        return;
    }
    if !frame.is_oneway() {
        let remark = format!(" request type {} not supported", frame.code);
        engine.respond(
            token,
            response_code::REQUEST_CODE_NOT_SUPPORTED,
            frame.opaque,
            Some(&remark),
        );
    }
}
