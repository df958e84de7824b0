//! The explorer page served at `GET /` on the L2 node's JSON-RPC port: one static file
//! (HTML, CSS, JavaScript; no build step) compiled into the binary. It reads only the
//! nodes' public JSON-RPC: the L2 node on its own origin, the L1 node at the URL of
//! `nr_rollupInfo`'s `l1Rpc` (so the L1 must allow the page's origin: CORS).

/// The page.
pub const PAGE: &str = include_str!("explorer.html");

#[cfg(test)]
mod tests {
    use super::PAGE;
    use alloy_sol_types::SolEvent;
    use nr_contracts::{L2Messenger, NativeRollup};

    /// The event topics written in the page's script are those of the contracts' events.
    #[test]
    fn page_topics_match_the_contracts_events() {
        let want = [
            ("blockAdvanced", NativeRollup::BlockAdvanced::SIGNATURE_HASH),
            ("l1MessageSent", NativeRollup::MessageSent::SIGNATURE_HASH),
            ("l2MessageClaimed", NativeRollup::L2MessageClaimed::SIGNATURE_HASH),
            ("l2MessageSent", L2Messenger::MessageSent::SIGNATURE_HASH),
            ("l1MessageClaimed", L2Messenger::L1MessageClaimed::SIGNATURE_HASH),
        ];
        let mut wrong = vec![];
        for (name, topic) in want {
            let line = format!("  {name}: \"{topic}\",");
            if !PAGE.contains(&line) {
                wrong.push(line);
            }
        }
        assert!(wrong.is_empty(), "the page's TOPIC should have:\n{}", wrong.join("\n"));
    }
}
