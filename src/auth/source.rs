//! The address a request comes from, for per-source budgets. Behind a reverse proxy every
//! request arrives from the proxy, so `X-Forwarded-For` is believed only when the peer is a
//! configured trusted proxy (`SCIMITAR_TRUSTED_PROXIES`); the client is then the right-most
//! address in it that is not itself a trusted proxy (the left-most entries are whatever the
//! client chose to send).
use std::net::IpAddr;

use actix_web::HttpRequest;
use ipnet::IpNet;

/// Networks whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses a comma-separated list of addresses and CIDR networks (`10.0.0.0/8, ::1`).
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{s:?} is not an IP address or CIDR network"))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// The client's address: the peer, or, when the peer is trusted, the right-most address
    /// of `X-Forwarded-For` that is not a trusted proxy.
    pub fn client_of(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<IpAddr> = forwarded_for
            .iter()
            .flat_map(|h| h.split(','))
            .filter_map(|a| a.trim().parse().ok())
            .collect();
        hops.into_iter().rev().find(|ip| !self.trusts(*ip)).unwrap_or(peer)
    }
}

/// The source address of `req` (unspecified when the connection has none, as in unit tests).
pub fn of(req: &HttpRequest, trusted: &TrustedProxies) -> IpAddr {
    let peer = req.peer_addr().map_or(IpAddr::from([0, 0, 0, 0]), |a| a.ip());
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect();
    trusted.client_of(peer, &forwarded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let t = TrustedProxies::parse("10.0.0.0/8, 192.0.2.1").unwrap();
        let cases = [
            // An untrusted peer: its header is ignored.
            ("203.0.113.5", vec!["198.51.100.1"], "203.0.113.5"),
            // A trusted proxy: the client it saw.
            ("10.1.2.3", vec!["198.51.100.1"], "198.51.100.1"),
            // A spoofed left-most entry is skipped; chains of trusted proxies are walked.
            ("10.1.2.3", vec!["1.1.1.1, 198.51.100.1, 10.9.9.9"], "198.51.100.1"),
            ("192.0.2.1", vec!["1.1.1.1", "198.51.100.7"], "198.51.100.7"),
            // Nothing usable: the proxy itself.
            ("10.1.2.3", vec!["garbage", ""], "10.1.2.3"),
            ("10.1.2.3", vec![], "10.1.2.3"),
            ("::1", vec!["198.51.100.1"], "::1"),
        ];
        for (peer, xff, want) in cases {
            assert_eq!(t.client_of(ip(peer), &xff), ip(want), "{peer} {xff:?}");
        }
    }

    #[test]
    fn the_list_parses_addresses_and_networks_and_rejects_the_rest() {
        assert!(TrustedProxies::parse("").unwrap().0.is_empty());
        assert_eq!(TrustedProxies::parse(" ::1 ,127.0.0.0/8").unwrap().0.len(), 2);
        for bad in ["localhost", "10.0.0.0/33", "1.2.3", "10.0.0.0/8,nope"] {
            assert!(TrustedProxies::parse(bad).is_err(), "{bad}");
        }
    }
}
