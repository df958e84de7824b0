//! The optimistic rollup's batches as the contract tests track them: the claims the
//! contract computes for a proposal (rebuilt here with `nr_contracts::claims`, checked
//! against the root `BatchProposed` logs), and the claim and Merkle proof of any block.

use super::{Env, Sent};
use alloy_primitives::{B256, Bytes, U256};
use alloy_sol_types::SolEvent;
use nr_contracts::{OptimisticRollup as Opt, claims};

/// A proposed batch: its id, first block and the claims of its blocks in order.
pub struct Proposed {
    /// Batch id.
    pub id: u64,
    /// Its first block.
    pub first: u64,
    /// The claims of its blocks (its original size: `resolve` does not change the tree).
    pub claims: Vec<Opt::Claim>,
    /// Its blob binding (a blob batch), the last element of every proof.
    pub binding: Option<B256>,
    /// The proposing transaction.
    pub sent: Sent,
}

impl Proposed {
    /// The leaves of its claims.
    pub fn leaves(&self) -> Vec<B256> {
        self.claims.iter().map(claims::leaf).collect()
    }

    /// The root the contract stores for it.
    pub fn root(&self) -> B256 {
        let r = claims::root(&self.leaves());
        self.binding.map_or(r, |b| claims::blob_root(r, b))
    }

    /// Its last block.
    pub fn last(&self) -> u64 {
        self.first + self.claims.len() as u64 - 1
    }

    /// Block `n`'s claim.
    pub fn claim(&self, n: u64) -> Opt::Claim {
        self.claims[(n - self.first) as usize].clone()
    }

    /// `defend` of block `n` with its claim and proof, `posted` and `input` (no delivery
    /// proof: for claims with nothing due).
    pub fn defend(&self, n: u64, posted: &Opt::Block, input: Vec<u8>) -> Opt::defendCall {
        self.defend_with(n, posted, input, Bytes::new())
    }

    /// [`Proposed::defend`] with `delivery` (abi.encode(accountProof, storageProof) of the
    /// messenger's `deliveredPrefix` at the claimed state root).
    pub fn defend_with(
        &self,
        n: u64,
        posted: &Opt::Block,
        input: Vec<u8>,
        delivery: Bytes,
    ) -> Opt::defendCall {
        Opt::defendCall {
            n,
            batch: self.id,
            claim: self.claim(n),
            proof: self.proof(n),
            posted: posted.clone(),
            input: input.into(),
            delivery,
        }
    }

    /// `resolve` of block `n`: block n-1's claim and proof when n is not the first, else
    /// n's own.
    pub fn resolve(&self, n: u64) -> Opt::resolveCall {
        if n == self.first {
            return Opt::resolveCall {
                n,
                batch: self.id,
                prev: self.claim(n),
                prevProof: self.proof(n),
            };
        }
        Opt::resolveCall {
            n,
            batch: self.id,
            prev: self.claim(n - 1),
            prevProof: self.proof(n - 1),
        }
    }

    /// Block `n`'s Merkle proof (with the blob binding last for a blob batch).
    pub fn proof(&self, n: u64) -> Vec<B256> {
        let i = (n - self.first) as usize;
        match self.binding {
            Some(b) => claims::blob_proof(&self.leaves(), i, b).unwrap(),
            None => claims::proof(&self.leaves(), i).unwrap(),
        }
    }
}

impl Env {
    /// The rollup's pending tip: (number, hash).
    pub fn pending_tip(&self) -> (u64, B256) {
        let t = self.l1_view(self.rollup, Opt::pendingTipCall {});
        (t.number, t.blockHash)
    }

    /// The claims the rollup computes for blocks with these (timestamp, anchorBlock,
    /// dataHash, blockHash, stateRoot, forcedCount), proposed on the current pending tip
    /// and forced head.
    pub fn claims_on_tip(&self, blocks: &[(u64, u64, B256, B256, B256, u64)]) -> Vec<Opt::Claim> {
        let (_, mut parent) = self.pending_tip();
        let mut forced = self.forced_head();
        blocks
            .iter()
            .map(|&(timestamp, anchor, data_hash, block_hash, state_root, count)| {
                let due: U256 =
                    self.l1_view(self.rollup, Opt::dueAtCall { l1Block: U256::from(anchor) });
                let c = Opt::Claim {
                    parentHash: parent,
                    dataHash: data_hash,
                    blockHash: block_hash,
                    stateRoot: state_root,
                    anchorHash: self.l1.hash_by_number(anchor).unwrap().unwrap_or_default(),
                    anchorBlock: anchor,
                    timestamp,
                    forcedFrom: forced,
                    forcedTo: forced + count,
                    due: due.to(),
                };
                forced += count;
                parent = block_hash;
                c
            })
            .collect()
    }

    /// The claims of calldata `blocks` proposed on the current pending tip.
    pub fn claims_of(&self, blocks: &[Opt::Block]) -> Vec<Opt::Claim> {
        let fields: Vec<_> = blocks
            .iter()
            .map(|b| {
                let data = claims::data_hash(b);
                (
                    b.timestamp,
                    b.anchorBlock.to::<u64>(),
                    data,
                    b.blockHash,
                    b.stateRoot,
                    b.forcedCount,
                )
            })
            .collect();
        self.claims_on_tip(&fields)
    }

    /// The batch `s` proposed (its `BatchProposed` log) with `claims`: panics unless the
    /// logged root is the one `claims` (and `binding`) hash to.
    pub fn proposed(&self, s: Sent, claims: Vec<Opt::Claim>, binding: Option<B256>) -> Proposed {
        let e = s
            .receipt
            .receipt
            .logs()
            .iter()
            .find_map(|l| Opt::BatchProposed::decode_log_data(&l.data).ok())
            .expect("a BatchProposed log");
        let p = Proposed { id: e.batch, first: e.first, claims, binding, sent: s };
        assert_eq!(e.last, p.last(), "BatchProposed.last");
        assert_eq!(Some(e.forcedFrom), p.claims.first().map(|c| c.forcedFrom), "forcedFrom");
        assert_eq!(e.root, p.root(), "the contract's root is nr_contracts::claims' root");
        p
    }
}
