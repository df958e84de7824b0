//! Optimistic-mode options of `nr l2` and `nr devnet`.

use nr_rollup::optimistic::{
    DataAvailability, OptimisticOptions,
    adversary::{Adversary, DishonestProposer},
};

/// Optimistic mode: the watchtower and the development adversaries.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct OptimisticArgs {
    /// Optimistic mode: where the proposer posts block data: `calldata` (`propose`) or
    /// `blobs` (`proposeBlobs` in an EIP-4844 blob transaction; docs/l2.md, "Blob data").
    /// Watchtowers and followers read both.
    #[arg(long, value_name = "WHERE", default_value = "calldata")]
    pub da: DataAvailability,
    /// Optimistic mode: do not challenge, defend or resolve (the watchtower is on by default
    /// when the node has a key; a follower still derives the chain from proposals).
    #[arg(long)]
    pub no_watchtower: bool,
    /// Development only: the proposer lies about the first block with transactions it
    /// proposes (`wrong-root`: a wrong state root; `bad-data`: data inconsistent with the
    /// claimed hash; `false-forced`: claims a forced inbox entry the block does not carry;
    /// `ignore-due`: proposes blocks that have not delivered the L1->L2 messages due).
    #[arg(long, value_name = "KIND")]
    pub dishonest_proposer: Option<DishonestProposer>,
    /// Development only: the watchtower challenges the first valid block with
    /// transactions (and does not defend it).
    #[arg(long)]
    pub grief_challenger: bool,
    /// Development only: the watchtower defends with a witness missing a trie node.
    #[arg(long)]
    pub defender_incomplete_witness: bool,
    /// Development only (`--da blobs`): the proposer posts, for the first block with
    /// transactions, a blob record that is not the block it claims (so it cannot be
    /// defended and is dropped).
    #[arg(long)]
    pub dev_blob_mismatch: bool,
    /// Optimistic mode: the proposer waits for at least this many new L2 blocks before
    /// proposing a batch (at most 16 per batch): fewer, larger batches share one bond and
    /// one proposal's fixed L1 cost.
    #[arg(long, value_name = "BLOCKS", default_value_t = 1)]
    pub min_batch: u64,
}

impl OptimisticArgs {
    /// The node options these flags select.
    pub fn options(&self) -> OptimisticOptions {
        OptimisticOptions {
            // A dishonest proposer does not police itself.
            watchtower: !self.no_watchtower
                && self.dishonest_proposer.is_none()
                && !self.dev_blob_mismatch,
            adversary: Adversary {
                proposer: self.dishonest_proposer,
                grief_challenger: self.grief_challenger,
                defender_incomplete_witness: self.defender_incomplete_witness,
                blob_mismatch: self.dev_blob_mismatch,
            },
            da: self.da,
            min_batch: self.min_batch,
        }
    }
}
