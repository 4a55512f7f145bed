import { z } from 'zod';
import { podLabels } from '../crds/common/labels.ts';

/**
 * Cluster settings that a platform's CRs do not say: where Vault, NATS and DNS live and which
 * IPs the egress gateway uses. Read from an optional `platform.yaml` beside the CRs; every field
 * has a default that matches a stock installation, so a folder of CRs alone renders.
 */

const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'use a DNS label: a-z, 0-9 and -')
  .max(63);
const labels = z.record(z.string().min(1), z.string());
const port = z.number().int().min(1).max(65535);
const userNkey = z
  .string()
  .regex(/^U[A-Z2-7]{55}$/, 'use an NKey user public key (56 characters starting with U)');
const vaultDuration = z.string().regex(/^[0-9]+(s|m|h)$/, 'use a Vault duration such as 1h');

const vault = z.strictObject({
  /** Address the Vault Agent sidecar talks to. */
  address: z.url().default('https://vault.vault.svc:8200'),
  /** Kubernetes auth mount, without `auth/`. */
  authMount: z
    .string()
    .regex(/^[a-z0-9][a-z0-9/_-]*$/)
    .default('kubernetes'),
  /** KV v2 mount where posture keeps what it generates (NATS seeds). */
  kvMount: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/)
    .default('secret'),
  /** Namespace and pod labels of the Vault servers: the agent's egress goes there only. */
  namespace: dnsLabel.default('vault'),
  podLabels: labels.default({ 'app.kubernetes.io/name': 'vault' }),
  port: port.default(8200),
  tokenTtl: vaultDuration.default('1h'),
  tokenMaxTtl: vaultDuration.default('4h'),
  /** Image of the Vault Agent that the injector runs; unset keeps the injector's default. */
  agentImage: z.string().optional(),
});

const nats = z.strictObject({
  namespace: dnsLabel.default('nats'),
  service: dnsLabel.default('nats'),
  podLabels: labels.default({ 'app.kubernetes.io/name': 'nats' }),
  port: port.default(4222),
  /** The account that holds every service's user. */
  account: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]*$/)
    .default('TITAN'),
  systemAccount: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]*$/)
    .default('SYS'),
  /** Public key of the system account's user (for monitoring); none means nobody logs in there. */
  systemUser: userNkey.optional(),
  /**
   * NKey public keys of each service's NATS user, by `<namespace>/<name>`. The operator keeps the
   * seeds in Vault; `posture synth` has no Vault, so it reads the public keys from here
   * (docs/adr/0031-nkey-public-keys.md).
   */
  users: z.record(z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/), userNkey).default({}),
});

const dns = z.strictObject({
  namespace: dnsLabel.default('kube-system'),
  podLabels: labels.default({ 'k8s-app': 'kube-dns' }),
  port: port.default(53),
});

const egressGateway = z.strictObject({
  /** Public IPs the cluster's internet egress leaves from: exchange IP whitelists must hold them. */
  ips: z.array(z.union([z.ipv4(), z.ipv6()])).default([]),
});

/**
 * Pods that scrape metrics (Prometheus, an OpenTelemetry collector). When set, every service that
 * declares a port named `metrics` lets them in on that port and no other; unset, nobody scrapes.
 */
const monitoring = z.strictObject({
  namespace: dnsLabel,
  podLabels: podLabels('Labels of the scraper pods, all of them; at least one.'),
});

export const platformSchema = z.strictObject({
  vault: vault.default(() => vault.parse({})),
  nats: nats.default(() => nats.parse({})),
  dns: dns.default(() => dns.parse({})),
  egressGateway: egressGateway.default(() => egressGateway.parse({})),
  monitoring: monitoring.optional(),
});

export type Platform = z.infer<typeof platformSchema>;
export type PlatformInput = z.input<typeof platformSchema>;

/** The settings of a cluster nobody configured: every default. */
export function defaultPlatform(): Platform {
  return platformSchema.parse({});
}
