import type { AllowResponses } from './nats/model.ts';

/**
 * What the render functions need to know about a platform, already validated and normalized:
 * the CR specs (src/api) map onto it in `buildModel` (./build-model.ts). Keeping render on this
 * small model lets the operator and `posture synth` feed it from different places (informer
 * cache, files) and lets property tests generate it directly.
 */

export type Protocol = 'TCP' | 'UDP';

export interface PortModel {
  name: string;
  port: number;
  protocol: Protocol;
}

/** A service another one talks to (or hears from): same namespace unless said otherwise. */
export interface PeerModel {
  namespace: string;
  service: string;
  /** Ports of the peer (egress) or of this service (ingress); empty means all declared ports. */
  ports: PortRef[];
}

/**
 * Pods that are not TradingServices (an ingress controller, a scraper) allowed to connect: the
 * pods in `namespace` carrying every one of `podLabels`, on `ports` of this service (never empty).
 */
export interface WorkloadPeerModel {
  namespace: string;
  podLabels: Record<string, string>;
  ports: PortRef[];
}

export interface PortRef {
  port: number;
  protocol: Protocol;
}

export interface FqdnModel {
  /** `api.example.com`, or a pattern with `*` standing for one DNS label (`*.example.com`). */
  name: string;
  ports: number[];
}

/** A file Vault Agent renders into `/vault/secrets/<file>`, announced by `<env>_FILE`. */
export interface SecretFileModel {
  file: string;
  /** Environment variable name without the `_FILE` suffix. */
  env: string;
  /** KV v2 API path: `<mount>/data/<path>`. */
  vaultPath: string;
  /** Field of the secret to write; undefined writes all fields as JSON. */
  field?: string;
  /** KV version to pin (HmacKeyRing rotation); undefined reads the latest. */
  version?: number;
  /** Why the service may read it, for the policy comment: `secret db`, `exchange binance`. */
  reason: string;
}

export interface NatsModel {
  /** The account of the user; the platform's account when the spec names none. */
  account: string;
  publish: string[];
  subscribe: string[];
  allowResponses?: AllowResponses;
}

export interface ServiceModel {
  namespace: string;
  name: string;
  /** Image pinned by digest: `registry/repo@sha256:<64 hex>`. */
  image: string;
  replicas: number;
  ports: PortModel[];
  /** Runs as this uid and gid; the Vault Agent writes the secret files as the same user. */
  runAsUser: number;
  runAsGroup: number;
  readOnlyRootFilesystem: boolean;
  nats?: NatsModel;
  /** Every file the service reads: its own secrets, key rings and exchange credentials. */
  files: SecretFileModel[];
  ingress: PeerModel[];
  /** Workloads outside posture allowed in, from `spec.ingress[].workload`. */
  ingressWorkloads: WorkloadPeerModel[];
  egressServices: PeerModel[];
  /** Declared FQDNs plus the API hosts of the exchange credentials it consumes. */
  egressFqdns: FqdnModel[];
  /** IP ranges (the justified exception); empty ports means every port. */
  egressCidrs: { cidr: string; ports: number[] }[];
  resources?: {
    requests?: Record<string, string>;
    limits?: Record<string, string>;
  };
}

export interface PlatformModel {
  services: ServiceModel[];
}
