//! The gateway's books: every object's true state, the event log (what
//! happened, in order), the idempotency records, and the webhook outbox.

use std::collections::{BTreeMap, HashMap};

use paywit::idempotency::StoredKey;
use serde_json::{json, Value};

/// One object (payment intent, refund, dispute, payout) as Stripe-shaped JSON.
#[derive(Clone, Debug)]
pub struct Object {
    /// `payment_intent`, `refund`, `dispute` or `payout` (the event type prefix).
    pub kind: &'static str,
    /// Its JSON; `status` is the true state.
    pub json: Value,
}

impl Object {
    /// The object's status.
    pub fn status(&self) -> &str {
        self.json["status"].as_str().unwrap_or("")
    }
}

/// One event: a state change, as delivered in a webhook.
#[derive(Clone, Debug)]
pub struct Event {
    /// `evt_...`, unique.
    pub id: String,
    /// Its JSON (`id`, `type`, `created`, `data.object`).
    pub body: String,
}

/// A webhook delivery waiting in the outbox.
#[derive(Clone, Debug)]
pub struct Delivery {
    /// The event's id (for forged deliveries, an id no event has).
    pub event_id: String,
    /// The exact body to send.
    pub body: String,
    /// When to send it (milliseconds on the gateway's clock).
    pub due_ms: u64,
    /// Deliveries already tried (0 for the first).
    pub attempt: u32,
    /// How it is signed.
    pub signing: Signing,
}

/// How a delivery is signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signing {
    /// With the endpoint's secret, now: the receiver must accept it.
    Genuine,
    /// With another secret: a forgery.
    WrongSecret,
    /// Genuinely, then the body is changed.
    Tampered,
    /// Genuinely, but an hour ago: a replay outside the window.
    Stale,
}

/// What the idempotency layer stored for one key.
#[derive(Clone, Debug)]
pub struct KeyRecord {
    /// paywit's view of the key.
    pub stored: StoredKey,
    /// The first response (status, body), once complete.
    pub response: Option<(u16, String)>,
}

/// Delivery counters for the demo's tables.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Counters {
    /// Deliveries sent (every attempt, duplicates and forgeries included).
    pub deliveries_sent: u64,
    /// Deliveries sent twice on purpose.
    pub duplicates_sent: u64,
    /// Forged, tampered and replayed deliveries sent.
    pub forgeries_sent: u64,
    /// Forged, tampered and replayed deliveries the endpoint answered (it was up).
    pub forgeries_answered: u64,
    /// Of those, the ones it acknowledged with 2xx: a receiver that verifies keeps this at 0.
    pub forgeries_accepted: u64,
    /// Forgeries with no answer (the connection failed or timed out): the receiver may still have
    /// read and refused one, e.g. when it was stopped between logging the refusal and its 401.
    pub forgeries_unanswered: u64,
    /// Deliveries the endpoint did not acknowledge with 2xx (redelivered later).
    pub deliveries_refused: u64,
    /// Events whose redelivery schedule ran out (replay them).
    pub events_failed: u64,
    /// Charges actually made (succeeded payment intents).
    pub charges_made: u64,
}

/// The whole state.
pub struct State {
    /// Objects by id.
    pub objects: BTreeMap<String, Object>,
    /// Every event, in order.
    pub events: Vec<Event>,
    /// Idempotency records by key.
    pub keys: HashMap<String, KeyRecord>,
    /// Deliveries waiting to be sent.
    pub outbox: Vec<Delivery>,
    /// The counters.
    pub counters: Counters,
    /// Each object's last event (source, type): with its status, what a receiver's fold must end at.
    pub last_event: HashMap<String, (String, String)>,
    /// Late reversals to apply shortly: (object id, kind, new status, event action).
    pub reversals: Vec<(String, &'static str, String, String)>,
    rng: u64,
    next_id: u64,
}

impl State {
    /// Empty books; `seed` drives the misbehaviour.
    pub fn new(seed: u64) -> State {
        State {
            objects: BTreeMap::new(),
            events: Vec::new(),
            keys: HashMap::new(),
            outbox: Vec::new(),
            counters: Counters::default(),
            reversals: Vec::new(),
            last_event: HashMap::new(),
            rng: seed | 1,
            next_id: 1,
        }
    }

    /// A uniform value in 0..1 from the seeded generator.
    pub fn roll(&mut self) -> f64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        (self.rng >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A fresh id with `prefix` (`pi`, `re`, `dp`, `po`, `evt`).
    pub fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        let salt = (self.roll() * u32::MAX as f64) as u32;
        format!("{prefix}_{:06}{salt:08x}", self.next_id)
    }

    /// Stores `object` and records the event `{kind}.{action}` (Stripe's naming) with its snapshot.
    pub fn change(&mut self, id: &str, object: Object, action: &str) -> Event {
        let event_type = format!("{}.{action}", object.kind);
        self.change_as(id, object, "stripe", &event_type)
    }

    /// Stores `object` and records an event of `source`'s naming (`stripe`, or `btcpay` for invoices).
    pub fn change_as(&mut self, id: &str, object: Object, source: &str, event_type: &str) -> Event {
        self.last_event.insert(id.to_string(), (source.to_string(), event_type.to_string()));
        let event_id = self.id("evt");
        let body = json!({
            "id": event_id,
            "type": event_type,
            "source": source,
            "created": crate::now(),
            "data": { "object": object.json },
        })
        .to_string();
        self.objects.insert(id.to_string(), object);
        let event = Event { id: event_id, body };
        self.events.push(event.clone());
        event
    }

    /// The true state of every object: `{id: {"kind": .., "status": ..}}`.
    pub fn truth(&self) -> Value {
        let objects: serde_json::Map<String, Value> = self
            .objects
            .iter()
            .map(|(id, o)| {
                let (source, event) = self.last_event.get(id).cloned().unwrap_or_default();
                (id.clone(), json!({ "kind": o.kind, "status": o.status(), "source": source, "last_event": event, "object": o.json }))
            })
            .collect();
        json!({ "objects": objects, "events": self.events.len(), "counters": self.counters })
    }
}
