//! The L1's extra JSON-RPC methods: the EXECUTE gas market, the fork schedule, and the
//! development reorg `debug_setHead`.

use nr_chain::Chain;
use nr_execute::precompile::{EXECUTE_ADDRESS, ExecuteBlockData, L1Hooks};
use nr_rpc::{RpcError, RpcExtension};
use serde_json::{Value, json};

/// `nr_executeBaseFee`, `nr_executeMarket`, `nr_forkSchedule` and `debug_setHead`.
#[derive(Debug)]
pub struct L1Rpc {
    hooks: L1Hooks,
}

impl L1Rpc {
    /// The methods for an L1 whose EXECUTE runs with `hooks`.
    pub fn new(hooks: L1Hooks) -> Self {
        Self { hooks }
    }

    fn market(&self, chain: &Chain, params: &[Value]) -> Result<Value, RpcError> {
        let number: Option<String> = nr_rpc::param(params, 0, "block")?;
        let header = match number.as_deref() {
            None | Some("latest") => chain.head(),
            Some(s) => {
                let n = s
                    .strip_prefix("0x")
                    .and_then(|h| u64::from_str_radix(h, 16).ok())
                    .ok_or_else(|| RpcError::params(format!("invalid block number {s:?}")))?;
                chain
                    .header_by_number(n)
                    .map_err(|e| RpcError::server(e.to_string()))?
                    .ok_or_else(|| RpcError::server("header not found"))?
            }
        };
        let data = ExecuteBlockData::from_extra_data(&header.extra_data);
        let next = chain.child_template(&header, header.timestamp + 1);
        Ok(json!({
            "blockNumber": format!("{:#x}", header.number),
            "executeBaseFee": data.map(|d| format!("{:#x}", d.base_fee)),
            "executeGasUsed": data.map(|d| format!("{:#x}", d.gas_used)),
            "executeGasLimit": format!("{:#x}", self.hooks.params.limit),
            "executeGasTarget": format!("{:#x}", self.hooks.params.target),
            "nextExecuteBaseFee": format!("{:#x}", self.hooks.execute_base_fee(&header, &next)),
            "precompile": EXECUTE_ADDRESS,
        }))
    }
}

impl RpcExtension for L1Rpc {
    fn methods(&self) -> &'static [&'static str] {
        &["nr_executeBaseFee", "nr_executeMarket", "nr_forkSchedule", "debug_setHead"]
    }

    fn call(
        &self,
        chain: &Chain,
        method: &str,
        params: &[Value],
    ) -> Option<Result<Value, RpcError>> {
        match method {
            "nr_executeBaseFee" => {
                let head = chain.head();
                let next = chain.child_template(&head, head.timestamp + 1);
                Some(Ok(json!(format!("{:#x}", self.hooks.execute_base_fee(&head, &next)))))
            }
            "nr_executeMarket" => Some(self.market(chain, params)),
            "debug_setHead" => Some(set_head(chain, params)),
            "nr_forkSchedule" => {
                Some(Ok(serde_json::to_value(&chain.spec().schedule).unwrap_or_default()))
            }
            _ => None,
        }
    }
}

/// `debug_setHead(number)`, as geth's: a development reorg. Block `number` becomes the
/// head; the blocks above it leave the canonical chain and their transactions go back to
/// the pool (as after a real reorg), so the producer mines them again in new blocks with
/// new hashes. Refused below the `finalized` block. Returns `null`.
fn set_head(chain: &Chain, params: &[Value]) -> Result<Value, RpcError> {
    let number: Option<alloy_primitives::U64> = nr_rpc::param(params, 0, "block number")?;
    let number = number.ok_or_else(|| RpcError::params("missing block number (param 0)"))?;
    let to = number.to::<u64>();
    let head = chain.head().number;
    if to > head {
        return Err(RpcError::params(format!("block {to} is above the head {head}")));
    }
    let r = chain.rewind_to(to).map_err(|e| RpcError::server(e.to_string()))?;
    tracing::warn!(
        from = head,
        to,
        requeued = r.requeued.len(),
        dropped = r.dropped.len(),
        "debug_setHead: development reorg"
    );
    Ok(Value::Null)
}
