//! The route cache of an engine (Java `MQClientInstance.topicRouteTable`,
//! `updateTopicRouteInfoFromNameServer`), as logic without I/O: which
//! NameServer to ask next, the auto-create template's route for a topic the
//! NameServer does not know (when the asking role names a template), the
//! periodic refresh, what a response means, and the broker table (broker
//! name → master address) built from every cached route. The engine sends
//! the [`Lookup`]s this asks for and hands the answers back; roles hear of
//! the outcome through [`Event::RouteFound`] and [`Event::RouteFailed`].

use std::sync::Arc;

use rustc_hash::FxHashMap as HashMap;

use super::config::ClientConfig;
use super::events::Event;
use crate::codec::RemotingCommand;
use crate::error::{Error, ErrorKind, Result};
use crate::protocol::response_code;
use crate::protocol::route::TopicRouteData;

/// One topic's entry.
#[derive(Default)]
struct RouteEntry {
    route: Option<Arc<TopicRouteData>>,
    /// The auto-create template to ask for when the topic is unknown.
    template: Option<String>,
    lookup_in_flight: bool,
}

/// A GET_ROUTEINFO_BY_TOPIC to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Lookup {
    /// The NameServer to ask.
    pub namesrv: String,
    /// The `topic` field: the topic, or its template.
    pub query: String,
    /// The topic whose route this is for.
    pub topic: String,
    /// Whether `query` is the template.
    pub template: bool,
    /// NameServers tried before this one.
    pub tries: usize,
}

/// What follows a lookup's answer.
#[derive(Debug)]
pub(crate) enum Step {
    /// Ask again (the template, or the next NameServer).
    Send(Lookup),
    /// Done: tell the roles.
    Done(Event),
}

/// Routes by topic, the NameServer list and the broker table.
pub(crate) struct Routes {
    namesrvs: Vec<String>,
    namesrv_index: usize,
    topics: HashMap<String, RouteEntry>,
    /// Broker name → master address, from every route cached.
    brokers: HashMap<Arc<str>, Arc<str>>,
    /// Set when the broker table changed (connections may have become stale).
    pub(super) brokers_changed: bool,
}

impl Routes {
    /// No routes yet; the NameServers of `config`.
    pub(super) fn new(config: &ClientConfig) -> Routes {
        Routes {
            namesrvs: config.namesrv_list(),
            namesrv_index: 0,
            topics: HashMap::default(),
            brokers: HashMap::default(),
            brokers_changed: false,
        }
    }

    /// Replaces the NameServer list (the address server answered a new
    /// one, Java `MQClientAPIImpl.updateNameServerAddressList`). The
    /// current NameServer stays current if it is still listed; lookups in
    /// flight finish where they went; idle connections to NameServers that
    /// left are closed by the next stale-connection sweep.
    pub(super) fn set_namesrvs(&mut self, list: Vec<String>) {
        let current = self.current_namesrv();
        self.namesrv_index = list.iter().position(|n| *n == current).unwrap_or(0);
        self.namesrvs = list;
        self.brokers_changed = true;
    }

    /// The master address of broker `name`, from any cached route.
    #[inline]
    pub(crate) fn broker_addr(&self, name: &str) -> Option<&Arc<str>> {
        self.brokers.get(name)
    }

    /// Every broker: name and master address.
    pub(crate) fn brokers(&self) -> impl Iterator<Item = (&Arc<str>, &Arc<str>)> {
        self.brokers.iter()
    }

    /// The broker table.
    pub(crate) fn broker_table(&self) -> &HashMap<Arc<str>, Arc<str>> {
        &self.brokers
    }

    /// Whether `addr` is a NameServer's or a broker master's.
    pub(super) fn knows_addr(&self, addr: &str) -> bool {
        self.namesrvs.iter().any(|n| n == addr) || self.brokers.values().any(|a| **a == *addr)
    }

    /// Starts keeping `topic`'s route (with `template` for an unknown
    /// topic); the lookup to send, unless one is in flight.
    pub(super) fn want(&mut self, topic: &str, template: Option<&str>) -> Option<Step> {
        // Every send parked on a topic asks: no allocation once it is known.
        if !self.topics.contains_key(topic) {
            self.topics.insert(topic.to_string(), RouteEntry::default());
        }
        let entry = self.topics.get_mut(topic)?;
        if template.is_some() && entry.template.as_deref() != template {
            entry.template = template.map(str::to_string);
        }
        if entry.lookup_in_flight {
            return None;
        }
        Some(self.lookup(topic, false, 0))
    }

    /// The lookups of every route not being looked up (the refresh).
    pub(super) fn refresh(&mut self) -> Vec<Step> {
        let idle: Vec<String> = self
            .topics
            .iter()
            .filter(|(_, e)| !e.lookup_in_flight)
            .map(|(t, _)| t.clone())
            .collect();
        idle.iter().map(|t| self.lookup(t, false, 0)).collect()
    }

    /// The lookup of `topic` on the current NameServer (of its template
    /// with `template`), marked in flight; a failure if none is configured.
    fn lookup(&mut self, topic: &str, template: bool, tries: usize) -> Step {
        if self.namesrvs.is_empty() {
            let e = Error::new(
                ErrorKind::NoRoute,
                "no NameServer address is configured (namesrvAddr or NAMESRV_ADDR)",
            );
            return self.failed(topic, e);
        }
        let namesrv = self.current_namesrv();
        let entry = self.topics.entry(topic.to_string()).or_default();
        entry.lookup_in_flight = true;
        let query = match (&entry.template, template) {
            (Some(t), true) => t.clone(),
            _ => topic.to_string(),
        };
        Step::Send(Lookup {
            namesrv,
            query,
            topic: topic.to_string(),
            template,
            tries,
        })
    }

    fn current_namesrv(&self) -> String {
        self.namesrvs
            .get(self.namesrv_index % self.namesrvs.len().max(1))
            .cloned()
            .unwrap_or_default()
    }

    /// What the answer (or failure) of `lookup` means.
    pub(super) fn on_response(
        &mut self,
        lookup: &Lookup,
        outcome: Result<&RemotingCommand>,
    ) -> Step {
        let topic = lookup.topic.as_str();
        let template_name = self.topics.get(topic).and_then(|e| e.template.clone());
        match outcome {
            Ok(resp) if resp.code == response_code::SUCCESS => {
                match TopicRouteData::parse(&resp.body) {
                    Ok(route) => self.found(topic, route, lookup.template),
                    Err(e) => self.failed(topic, e),
                }
            }
            Ok(resp)
                if resp.code == response_code::TOPIC_NOT_EXIST
                    && !lookup.template
                    && template_name.is_some() =>
            {
                self.lookup(topic, true, 0)
            }
            Ok(resp) => {
                let e = if resp.code == response_code::TOPIC_NOT_EXIST {
                    let why = match &template_name {
                        Some(t) => format!(" and the auto-create template {} has no route", t),
                        None => String::new(),
                    };
                    Error::new(
                        ErrorKind::NoRoute,
                        format!(
                            "topic {} does not exist{} at {}",
                            topic, why, lookup.namesrv
                        ),
                    )
                } else {
                    crate::protocol::broker_error(resp.code, resp.remark_str(), &lookup.namesrv)
                };
                self.failed(topic, e)
            }
            Err(e) => {
                // Network error or timeout: try the next NameServer.
                let n = self.namesrvs.len().max(1);
                self.namesrv_index = (self.namesrv_index + 1) % n;
                if lookup.tries + 1 < self.namesrvs.len() {
                    self.lookup(topic, lookup.template, lookup.tries + 1)
                } else {
                    // Unreachable NameServers: no route (Java's "No route
                    // info"); a TLS handshake failure is a network error.
                    let kind = if super::tls::is_handshake_failure(&e) {
                        ErrorKind::Network
                    } else {
                        ErrorKind::NoRoute
                    };
                    let e = Error::new(
                        kind,
                        format!(
                            "no NameServer answered the route lookup of {}: {}",
                            topic, e
                        ),
                    );
                    self.failed(topic, e)
                }
            }
        }
    }

    fn found(&mut self, topic: &str, route: TopicRouteData, from_template: bool) -> Step {
        let route = Arc::new(route);
        let entry = self.topics.entry(topic.to_string()).or_default();
        entry.route = Some(route.clone());
        entry.lookup_in_flight = false;
        self.rebuild_brokers();
        Step::Done(Event::RouteFound {
            topic: topic.to_string(),
            route,
            from_template,
        })
    }

    /// A lookup failed: a cached route stays in use; a topic without one is
    /// forgotten.
    fn failed(&mut self, topic: &str, error: Error) -> Step {
        if let Some(entry) = self.topics.get_mut(topic) {
            entry.lookup_in_flight = false;
            if entry.route.is_none() {
                self.topics.remove(topic);
            }
        }
        Step::Done(Event::RouteFailed {
            topic: topic.to_string(),
            error,
        })
    }

    /// Recomputes the broker table from every cached route.
    fn rebuild_brokers(&mut self) {
        let mut brokers = HashMap::default();
        for route in self.topics.values().filter_map(|e| e.route.as_ref()) {
            for b in &route.broker_datas {
                if let Some(addr) = b.master_addr() {
                    brokers.insert(Arc::<str>::from(b.broker_name.as_str()), Arc::from(addr));
                }
            }
        }
        self.brokers = brokers;
        self.brokers_changed = true;
    }
}
