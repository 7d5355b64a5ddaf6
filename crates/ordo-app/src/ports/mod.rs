//! The traits through which Ordo reaches outside systems (card gateways, carriers). Their
//! implementations live in the connectors crate; the binary wires them in.

pub mod payment;
