//! The L1 node's gauges, read from the chain at each scrape of `GET /metrics`.

use nr_chain::Chain;
use nr_execute::precompile::{ExecuteBlockData, ExecuteGasParams};
use nr_rpc::Metrics;
use std::sync::{Arc, Weak};

/// Registers the L1 gauges in `metrics`: head, pool size and the EXECUTE market of the
/// head block. Holds the chain weakly: once the node is gone the gauges stop moving.
pub(crate) fn register(metrics: &Metrics, chain: &Arc<Chain>, params: ExecuteGasParams) {
    let chain: Weak<Chain> = Arc::downgrade(chain);
    metrics.on_render(Arc::new(move |m: &Metrics| {
        let Some(chain) = chain.upgrade() else { return };
        let head = chain.head();
        m.gauge("nr_l1_head", &[], "L1 head block number").set(head.number as f64);
        m.gauge("nr_l1_head_timestamp_seconds", &[], "Timestamp of the L1 head block")
            .set(head.timestamp as f64);
        m.gauge("nr_txpool_pending", &[], "Transactions in the pool")
            .set(chain.pending_count() as f64);
        let data = ExecuteBlockData::from_extra_data(&head.extra_data);
        m.gauge("nr_l1_execute_gas_used", &[], "EXECUTE gas used in the L1 head block")
            .set(data.map_or(0.0, |d| d.gas_used as f64));
        m.gauge("nr_l1_execute_base_fee_wei", &[], "EXECUTE base fee of the L1 head block, in wei")
            .set(data.map_or(0.0, |d| d.base_fee as f64));
        m.gauge("nr_l1_execute_gas_limit", &[], "EXECUTE gas limit per L1 block")
            .set(params.limit as f64);
        m.gauge("nr_l1_execute_gas_target", &[], "EXECUTE gas target per L1 block")
            .set(params.target as f64);
    }));
}
