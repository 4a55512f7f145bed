import type { OperatorConfig } from '../../operator/config.ts';
import type { KubeWrites } from '../../operator/kube/client.ts';
import type { Manager } from '../../operator/manager.ts';
import type { Log } from '../../operator/telemetry/log.ts';
import type { Metrics } from '../../operator/telemetry/metrics.ts';
import type { VaultAdapter } from '../../vault/adapter.ts';

/** What a controller gets to register its informers, metrics and reconciler with. */
export interface OperatorDeps {
  config: OperatorConfig;
  /** The calls controllers make (reads come from the manager's informer caches). */
  client: KubeWrites;
  vault: VaultAdapter;
  log: Log;
  metrics: Metrics;
  manager: Manager;
}

/** A controller: registers itself on the runtime (`runOperator({ register: [...] })`). */
export type Register = (deps: OperatorDeps) => void;
