import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMetrics, statsOf } from './operator-process.ts';

describe("the bench's reading of the operator's metrics", () => {
  const text = [
    '# HELP posture_idle_collections_total Memory-reducing collections run once quiet.',
    '# TYPE posture_idle_collections_total counter',
    'posture_idle_collections_total 2',
    'posture_idle_collection_seconds_total 0.084',
    'posture_vault_requests_total{method="GET",area="kv/metadata"} 1140',
    'posture_reconcile_total{kind="TradingService",result="success"} 1009',
    'posture_kube_requests_total{verb="apply"} 5035',
    'process_resident_memory_bytes 152043520',
  ].join('\n');
  const stats = statsOf(parseMetrics(text));

  it('should read the idle collections and the time the event loop spent in them', () => {
    assert.deepEqual(stats.idle, { collections: 2, seconds: 0.084 });
  });

  it('should read Vault requests, reconciles, writes and memory by their labels', () => {
    assert.deepEqual(stats.vault, { 'GET kv/metadata': 1140 });
    assert.equal(stats.results['TradingService/success'], 1009);
    assert.equal(stats.writes, 5035);
    assert.equal(stats.memory.rssMb, 145);
  });
});
