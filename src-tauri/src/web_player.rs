//! Where the web player is, for the Cloud view: the locker server serves it at `/` of its
//! address, so it is the cloud's address; when this computer is the cloud (the built-in
//! locker, see `locker`), it is this computer's address on the local network, with a QR code
//! of it for a phone, or why a phone cannot reach it.
//!
//! The choice is a pure function of the account's server, how the built-in locker runs and
//! this computer's network address, so it is tested without a network or a window.

use crate::locker::{self, LockerSettings};
use serde::Serialize;
use specta::Type;
use std::net::{IpAddr, Ipv4Addr, UdpSocket};
use tauri::Url;

/// Who can open the web player at its address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum WebPlayerReach {
    /// The cloud is a server elsewhere: its address, as this app uses it.
    Server,
    /// This computer is the cloud and devices on the local network can open the address.
    LocalNetwork,
    /// This computer is the cloud, but it listens only to this computer: a phone cannot
    /// reach it until the user lets devices on the network connect.
    ThisComputerOnly,
    /// This computer is the cloud, open to the network, but it has no network address now.
    NoNetwork,
}

/// A QR code's modules, for the UI to draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct QrMatrix {
    /// Modules per side, the quiet zone around them not included.
    pub size: u32,
    /// `size * size` modules, row after row, `true` for dark.
    pub modules: Vec<bool>,
}

/// What the Cloud view shows about the web player.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct WebPlayer {
    /// Where a browser opens it.
    pub url: String,
    pub reach: WebPlayerReach,
    /// The QR code of `url`, when a phone on the local network can open it.
    pub qr: Option<QrMatrix>,
}

/// The web player of the cloud at `server` (the account's address). `locker` is how the
/// built-in locker runs, if it does; `lan_address` is asked only when this computer is the
/// cloud and open to the network.
pub fn describe(
    server: &str,
    locker: Option<&LockerSettings>,
    lan_address: impl FnOnce() -> Option<IpAddr>,
) -> WebPlayer {
    let own = player_url(server);
    let reach_as = |reach| WebPlayer {
        url: own.clone(),
        reach,
        qr: None,
    };
    let Some(settings) = locker.filter(|settings| is_this_locker(server, settings.port)) else {
        return reach_as(WebPlayerReach::Server);
    };
    if !settings.lan {
        return reach_as(WebPlayerReach::ThisComputerOnly);
    }
    let Some(ip) = lan_address() else {
        return reach_as(WebPlayerReach::NoNetwork);
    };
    let url = format!("{}/", locker::http_address(ip, settings.port));
    WebPlayer {
        qr: qr_matrix(&url),
        url,
        reach: WebPlayerReach::LocalNetwork,
    }
}

/// The web player's address under a server's: its root, with the trailing `/` (a server
/// under a path serves it at `path/`).
fn player_url(server: &str) -> String {
    format!("{}/", server.trim_end_matches('/'))
}

/// Whether `server` is the built-in locker listening on `port`: plain HTTP to this computer
/// (loopback, as the app connects to it) on that port, at the root.
fn is_this_locker(server: &str, port: u16) -> bool {
    let Ok(url) = Url::parse(server) else {
        return false;
    };
    // An IPv6 host comes in brackets.
    let host = url.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    url.scheme() == "http"
        && loopback
        && url.port_or_known_default() == Some(port)
        && matches!(url.path(), "" | "/")
}

/// This computer's address on the local network, as a phone would reach the built-in locker:
/// the address of the interface the default route leaves by, else the first network address.
/// IPv4 only: the locker open to the network listens on every IPv4 interface.
pub fn lan_address() -> Option<IpAddr> {
    default_route_address().or_else(|| {
        locker::network_addresses()
            .into_iter()
            .find(IpAddr::is_ipv4)
    })
}

/// The local address of the default route. Connecting a UDP socket sends nothing: the OS
/// only picks the route, and with it the source address, to a public address.
fn default_route_address() -> Option<IpAddr> {
    let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    socket.connect((Ipv4Addr::new(1, 1, 1, 1), 9)).ok()?;
    let ip = socket.local_addr().ok()?.ip();
    locker::reachable_from_network(ip).then_some(ip)
}

/// The QR code of `text` (error correction M, the smallest version that holds it), or `None`
/// when it is too long for one.
pub fn qr_matrix(text: &str) -> Option<QrMatrix> {
    let code = match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code,
        Err(error) => {
            tracing::warn!(%error, len = text.len(), "no QR code for the web player's address");
            return None;
        }
    };
    let size = u32::try_from(code.width()).expect("a QR code is at most 177 modules wide");
    let modules = code
        .into_colors()
        .into_iter()
        .map(|color| color == qrcode::Color::Dark)
        .collect();
    Some(QrMatrix { size, modules })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(lan: bool, port: u16) -> LockerSettings {
        LockerSettings {
            username: "ada".to_owned(),
            lan,
            port,
        }
    }

    fn never() -> Option<IpAddr> {
        panic!("the network address is asked only for a locker open to the network")
    }

    fn lan() -> Option<IpAddr> {
        Some(IpAddr::V4(Ipv4Addr::new(192, 168, 1, 20)))
    }

    #[test]
    fn a_server_elsewhere_is_its_own_address() {
        for (server, url) in [
            ("https://music.example.org", "https://music.example.org/"),
            (
                "https://example.org/tonearm",
                "https://example.org/tonearm/",
            ),
            ("http://192.168.1.5:7420", "http://192.168.1.5:7420/"),
        ] {
            let player = describe(server, None, never);
            assert_eq!(
                player,
                WebPlayer {
                    url: url.to_owned(),
                    reach: WebPlayerReach::Server,
                    qr: None
                },
                "{server}"
            );
            // The built-in locker running beside it changes nothing.
            assert_eq!(describe(server, Some(&settings(true, 7420)), never), player);
        }
        // Loopback, but not the built-in locker's port, path or scheme: another server.
        for server in [
            "http://127.0.0.1:7421",
            "http://127.0.0.1:7420/other",
            "https://127.0.0.1:7420",
        ] {
            let player = describe(server, Some(&settings(true, 7420)), never);
            assert_eq!(player.reach, WebPlayerReach::Server, "{server}");
        }
    }

    #[test]
    fn the_locker_on_loopback_only_opens_on_this_computer() {
        for server in [
            "http://127.0.0.1:7420",
            "http://localhost:7420/",
            "http://[::1]:7420",
        ] {
            let player = describe(server, Some(&settings(false, 7420)), never);
            assert_eq!(player.reach, WebPlayerReach::ThisComputerOnly, "{server}");
            assert_eq!(player.url, player_url(server));
            assert_eq!(player.qr, None, "a phone cannot open it: no QR code");
        }
    }

    #[test]
    fn the_locker_open_to_the_network_is_at_this_computers_address_with_a_qr_code() {
        let player = describe("http://127.0.0.1:7420", Some(&settings(true, 7420)), lan);
        assert_eq!(player.url, "http://192.168.1.20:7420/");
        assert_eq!(player.reach, WebPlayerReach::LocalNetwork);
        assert_eq!(player.qr, qr_matrix("http://192.168.1.20:7420/"));
        assert!(player.qr.is_some());

        let v6 = describe("http://127.0.0.1:7420", Some(&settings(true, 7420)), || {
            Some("fd00::20".parse().expect("an address"))
        });
        assert_eq!(v6.url, "http://[fd00::20]:7420/");

        let offline = describe("http://127.0.0.1:7420", Some(&settings(true, 7420)), || {
            None
        });
        assert_eq!(
            offline,
            WebPlayer {
                url: "http://127.0.0.1:7420/".to_owned(),
                reach: WebPlayerReach::NoNetwork,
                qr: None
            }
        );
    }

    #[test]
    fn the_qr_code_is_the_smallest_that_holds_the_address_and_reads_back() {
        let url = "http://192.168.1.20:7420/";
        let qr = qr_matrix(url).expect("a QR code");
        // 25 bytes need version 2 at error correction M: 17 + 4 × 2 modules a side.
        assert_eq!(qr.size, 25);
        assert_eq!(qr.modules.len(), 25 * 25);
        let dark = qr.modules.iter().filter(|dark| **dark).count();
        assert!((200..450).contains(&dark), "{dark} dark modules of 625");
        // The three finder patterns: a dark 7×7 ring around a light ring around a dark 3×3.
        let at = |x: u32, y: u32| qr.modules[(y * qr.size + x) as usize];
        for (left, top) in [(0, 0), (qr.size - 7, 0), (0, qr.size - 7)] {
            for y in 0..7 {
                for x in 0..7 {
                    let ring = x.min(y).min(6 - x).min(6 - y);
                    assert_eq!(
                        at(left + x, top + y),
                        ring != 1,
                        "finder at ({left}, {top})"
                    );
                }
            }
        }
        assert_eq!(decode(&qr), url);

        let longer = qr_matrix("https://music.example.org/a/much/longer/path/").expect("fits");
        assert!(longer.size > qr.size);
        assert_eq!(
            qr_matrix(&"x".repeat(5_000)),
            None,
            "too long for any QR code"
        );
    }

    /// Reads a matrix back as a scanner would: drawn 4 pixels a module with a quiet zone.
    fn decode(qr: &QrMatrix) -> String {
        const SCALE: usize = 4;
        let side = (qr.size as usize + 8) * SCALE;
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| {
            let (x, y) = ((x / SCALE).wrapping_sub(4), (y / SCALE).wrapping_sub(4));
            let size = qr.size as usize;
            if x < size && y < size && qr.modules[y * size + x] {
                0
            } else {
                255
            }
        });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code found");
        grids[0].decode().expect("it decodes").1
    }

    #[test]
    fn the_network_address_found_is_one_a_phone_could_reach() {
        // What the machine running the tests has varies; whatever is found must fit.
        if let Some(ip) = lan_address() {
            assert!(ip.is_ipv4() && locker::reachable_from_network(ip), "{ip}");
        }
    }
}
