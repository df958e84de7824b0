//! Read queries: headers, blocks, receipts, logs, accounts, storage, code and proofs.

use crate::{
    Chain, ChainError,
    store::{BLOCKS, CANONICAL, HEADERS, RECEIPTS, StoreError, TX_INDEX, decode_stored},
};
use alloy_consensus::{
    Block, Header, ReceiptEnvelope, Transaction, TxEnvelope, transaction::SignerRecoverable,
};
use alloy_eips::Decodable2718;
use alloy_primitives::{Address, B256, Bytes, Log, U256, keccak256};
use alloy_rlp::Decodable;
use alloy_trie::{EMPTY_ROOT_HASH, TrieAccount};
use nr_stateless::{mpt, state::StateSource};
use redb::ReadableDatabase;

/// A receipt with everything needed to serve it.
#[derive(Debug, Clone)]
pub struct ReceiptInfo {
    /// The transaction.
    pub tx: TxEnvelope,
    /// Its sender.
    pub from: Address,
    /// The block's header.
    pub header: Header,
    /// Block hash.
    pub block_hash: B256,
    /// Position in the block.
    pub index: u64,
    /// The consensus receipt.
    pub receipt: ReceiptEnvelope,
    /// Gas used by this transaction alone.
    pub gas_used: u64,
    /// Index of its first log in the block.
    pub first_log_index: u64,
    /// Created contract, if any.
    pub contract_address: Option<Address>,
    /// A blob transaction's blob gas price: its block's blob base fee.
    pub blob_gas_price: Option<u128>,
}

/// A log with its position.
#[derive(Debug, Clone)]
pub struct LogInfo {
    /// The log.
    pub log: Log,
    /// Block hash.
    pub block_hash: B256,
    /// Block number.
    pub block_number: u64,
    /// Block timestamp.
    pub block_timestamp: u64,
    /// Transaction hash.
    pub tx_hash: B256,
    /// Transaction index.
    pub tx_index: u64,
    /// Log index in the block.
    pub log_index: u64,
}

/// An account with proofs (`eth_getProof`).
#[derive(Debug, Clone)]
pub struct AccountProof {
    /// The account (default if absent).
    pub account: TrieAccount,
    /// Account proof, root first.
    pub account_proof: Vec<Bytes>,
    /// `(slot, value, proof)` per requested slot.
    pub storage: Vec<(B256, U256, Vec<Bytes>)>,
}

impl Chain {
    fn read<T>(
        &self,
        f: impl FnOnce(&redb::ReadTransaction) -> Result<T, StoreError>,
    ) -> Result<T, ChainError> {
        let tx = self.db.begin_read()?;
        Ok(f(&tx)?)
    }

    /// The canonical hash of block `number`.
    pub fn hash_by_number(&self, number: u64) -> Result<Option<B256>, ChainError> {
        self.read(|tx| {
            let t = tx.open_table(CANONICAL)?;
            Ok(t.get(number)?.map(|v| B256::from_slice(v.value())))
        })
    }

    /// The header with this hash.
    pub fn header(&self, hash: &B256) -> Result<Option<Header>, ChainError> {
        self.read(|tx| {
            let t = tx.open_table(HEADERS)?;
            t.get(hash.as_slice())?.map(|v| decode_stored(v.value(), "header")).transpose()
        })
    }

    /// The canonical header of block `number`.
    pub fn header_by_number(&self, number: u64) -> Result<Option<Header>, ChainError> {
        match self.hash_by_number(number)? {
            Some(h) => self.header(&h),
            None => Ok(None),
        }
    }

    /// The block with this hash.
    pub fn block(&self, hash: &B256) -> Result<Option<Block<TxEnvelope>>, ChainError> {
        self.read(|tx| {
            let t = tx.open_table(BLOCKS)?;
            t.get(hash.as_slice())?.map(|v| decode_stored(v.value(), "block")).transpose()
        })
    }

    /// The receipts of the block with this hash.
    pub fn receipts(&self, hash: &B256) -> Result<Option<Vec<ReceiptEnvelope>>, ChainError> {
        self.read(|tx| {
            let t = tx.open_table(RECEIPTS)?;
            let Some(v) = t.get(hash.as_slice())? else { return Ok(None) };
            let list: Vec<Bytes> = decode_stored(v.value(), "receipts")?;
            list.iter()
                .map(|r| ReceiptEnvelope::decode_2718(&mut r.as_ref()).map_err(StoreError::Receipt))
                .collect::<Result<Vec<_>, _>>()
                .map(Some)
        })
    }

    /// Where a mined transaction is: block hash and index.
    pub fn tx_location(&self, hash: &B256) -> Result<Option<(B256, u64)>, ChainError> {
        // A block is stored before it becomes the head (the head moves under the pool lock
        // after the store's commit): until then its transactions are not reported as mined,
        // so that a client seeing a receipt also sees the block's state at `latest`.
        let head = self.head().number;
        let Some((block, index)) = self.stored_tx_location(hash)? else { return Ok(None) };
        match self.header(&block)? {
            Some(h) if h.number <= head => Ok(Some((block, index))),
            _ => Ok(None),
        }
    }

    /// [`Chain::tx_location`] as stored, whether or not its block is the head yet.
    fn stored_tx_location(&self, hash: &B256) -> Result<Option<(B256, u64)>, ChainError> {
        self.read(|tx| {
            let t = tx.open_table(TX_INDEX)?;
            Ok(t.get(hash.as_slice())?.and_then(|v| {
                let v = v.value();
                (v.len() == 40).then(|| {
                    (
                        B256::from_slice(&v[..32]),
                        u64::from_be_bytes(v[32..].try_into().unwrap_or_default()),
                    )
                })
            }))
        })
    }

    /// The account `address` after block `header` (`None` if absent).
    pub fn account(
        &self,
        header: &Header,
        address: Address,
    ) -> Result<Option<TrieAccount>, ChainError> {
        let view = self.view(header)?;
        let mut trie = mpt::Trie::from_root(header.state_root);
        let leaf = trie.get(keccak256(address).as_slice(), &view)?;
        leaf.map(|rlp| TrieAccount::decode(&mut rlp.as_slice()).map_err(ChainError::Leaf))
            .transpose()
    }

    /// Storage slot `slot` of `address` after block `header`.
    pub fn storage(
        &self,
        header: &Header,
        address: Address,
        slot: B256,
    ) -> Result<U256, ChainError> {
        let Some(acc) = self.account(header, address)? else { return Ok(U256::ZERO) };
        let view = self.view(header)?;
        let mut trie = mpt::Trie::from_root(acc.storage_root);
        let leaf = trie.get(keccak256(slot).as_slice(), &view)?;
        leaf.map(|rlp| U256::decode(&mut rlp.as_slice()).map_err(ChainError::Leaf))
            .transpose()
            .map(Option::unwrap_or_default)
    }

    /// Code of `address` after block `header`.
    pub fn code(&self, header: &Header, address: Address) -> Result<Bytes, ChainError> {
        let Some(acc) = self.account(header, address)? else { return Ok(Bytes::new()) };
        if acc.code_hash == alloy_primitives::KECCAK256_EMPTY {
            return Ok(Bytes::new());
        }
        Ok(self.view(header)?.code(&acc.code_hash).unwrap_or_default())
    }

    /// Account and storage proofs after block `header` (`eth_getProof`).
    pub fn proof(
        &self,
        header: &Header,
        address: Address,
        slots: &[B256],
    ) -> Result<AccountProof, ChainError> {
        let view = self.view(header)?;
        let (leaf, account_proof) =
            mpt::proof(header.state_root, keccak256(address).as_slice(), &view)?;
        let account = match leaf {
            Some(rlp) => TrieAccount::decode(&mut rlp.as_slice()).map_err(ChainError::Leaf)?,
            None => TrieAccount {
                nonce: 0,
                balance: U256::ZERO,
                storage_root: EMPTY_ROOT_HASH,
                code_hash: alloy_primitives::KECCAK256_EMPTY,
            },
        };
        let mut storage = Vec::new();
        for slot in slots {
            let (leaf, proof) =
                mpt::proof(account.storage_root, keccak256(slot).as_slice(), &view)?;
            let value = leaf
                .map(|rlp| U256::decode(&mut rlp.as_slice()).map_err(ChainError::Leaf))
                .transpose()?
                .unwrap_or_default();
            storage.push((*slot, value, proof));
        }
        Ok(AccountProof { account, account_proof, storage })
    }

    /// Receipt of a mined transaction.
    pub fn receipt(&self, tx_hash: &B256) -> Result<Option<ReceiptInfo>, ChainError> {
        let Some((block_hash, index)) = self.tx_location(tx_hash)? else { return Ok(None) };
        let block = self.block(&block_hash)?.ok_or_else(|| ChainError::UnknownBlock(block_hash))?;
        let receipts = self.receipts(&block_hash)?.unwrap_or_default();
        let i = index as usize;
        let (Some(tx), Some(receipt)) = (block.body.transactions.get(i), receipts.get(i)) else {
            return Ok(None);
        };
        let prev = if i == 0 { 0 } else { receipts[i - 1].cumulative_gas_used() };
        let first_log_index = receipts[..i].iter().map(|r| r.logs().len() as u64).sum();
        let from = tx.recover_signer().map_err(ChainError::Sender)?;
        let contract_address = tx.to().is_none().then(|| from.create(tx.nonce()));
        Ok(Some(ReceiptInfo {
            tx: tx.clone(),
            from,
            header: block.header.clone(),
            block_hash,
            index,
            gas_used: receipt.cumulative_gas_used() - prev,
            receipt: receipt.clone(),
            first_log_index,
            contract_address,
            blob_gas_price: tx.is_eip4844().then(|| self.blob_base_fee_at(&block.header)).flatten(),
        }))
    }

    /// Logs of canonical blocks `from..=to` matching `filter`.
    pub fn logs(
        &self,
        from: u64,
        to: u64,
        filter: impl Fn(&Log) -> bool,
        bloom: impl Fn(&alloy_primitives::Bloom) -> bool,
    ) -> Result<Vec<LogInfo>, ChainError> {
        let mut out = Vec::new();
        for n in from..=to {
            let Some(hash) = self.hash_by_number(n)? else { break };
            let Some(header) = self.header(&hash)? else { continue };
            if !bloom(&header.logs_bloom) {
                continue;
            }
            let block = self.block(&hash)?.ok_or_else(|| ChainError::UnknownBlock(hash))?;
            let receipts = self.receipts(&hash)?.unwrap_or_default();
            let mut log_index = 0;
            for (i, (tx, r)) in block.body.transactions.iter().zip(&receipts).enumerate() {
                for log in r.logs() {
                    if filter(log) {
                        out.push(LogInfo {
                            log: log.clone(),
                            block_hash: hash,
                            block_number: n,
                            block_timestamp: header.timestamp,
                            tx_hash: *tx.tx_hash(),
                            tx_index: i as u64,
                            log_index,
                        });
                    }
                    log_index += 1;
                }
            }
        }
        Ok(out)
    }
}
