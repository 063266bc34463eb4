//! What the engine reports to its roles, after the hook that caused it.

use std::sync::Arc;

use mio::Token;

use crate::error::Error;
use crate::protocol::route::TopicRouteData;

/// What the engine tells its roles, after the hook that caused it returns.
#[derive(Debug)]
pub(crate) enum Event {
    /// A connection closed; requests pending on it failed with the error.
    ConnectionClosed(Token, Error),
    /// A topic's route was found or refreshed. `from_template`: the topic
    /// is unknown and this is the auto-create template's route.
    RouteFound {
        /// The topic.
        topic: String,
        /// Its route.
        route: Arc<TopicRouteData>,
        /// Whether it is the template's route (see `Engine::lookup_route`).
        from_template: bool,
    },
    /// A route lookup failed; a route found earlier stays in use.
    RouteFailed {
        /// The topic.
        topic: String,
        /// Why.
        error: Error,
    },
}
