//! The client engine (Java `MQClientInstance`, the C++ client's
//! `MQClientFactory`): one I/O thread that owns every socket, the NameServer
//! list, the route cache, the broker table, the fault table, heartbeats,
//! timers and the shutdown drain, and one callback thread that runs user
//! code. It knows no producer or consumer: those are [`Role`]s that the
//! engine serves, each with its own command channel. API threads hand work
//! to a role's channel and wake the loop through a mio `Waker` only when it
//! sleeps ([`Wakeup`]).
//!
//! Files: [`handle`] (what API threads hold: start, sync wait, shutdown),
//! [`event_loop`] (the poll loop), [`engine`] (the state roles work with),
//! [`events`] (what roles are told), [`connections`] (and [`connection`],
//! one socket), [`requests`] (pending by opaque, with [`deadlines`]),
//! [`routes`], [`inbound`] (frames in: responses and broker → client
//! requests), [`timers`], [`shutdown`], [`callbacks`] (the callback thread),
//! [`wakeup`] and [`busy_poll`] (how the loop is woken, and when it spins),
//! [`role`] (what a role is), [`heartbeat_data`] (what roles put into
//! heartbeats), [`config`] (`ClientConfig`), [`tls`] (TLS settings and the
//! OpenSSL client context), [`address_server`] (the NameServer list from an
//! HTTP address server, `namesrvDomain`).

mod address_server;
mod busy_poll;
pub(crate) mod callbacks;
pub mod config;
mod connection;
pub(crate) mod connections;
mod deadlines;
pub(crate) mod engine;
mod event_loop;
mod events;
mod handle;
mod heartbeat_data;
mod inbound;
pub(crate) mod requests;
pub(crate) mod role;
pub(crate) mod routes;
mod shutdown;
mod timers;
pub mod tls;
mod wakeup;

pub use config::ClientConfig;
pub(crate) use engine::Engine;
pub(crate) use events::Event;
pub(crate) use handle::Client;
pub(crate) use heartbeat_data::HeartbeatData;
pub(crate) use role::Role;
pub use tls::TlsConfig;
pub(crate) use wakeup::RoleSender;
