import { SETTINGS } from '../operator/config.ts';

/**
 * What each `posture operator` flag does, for `--help`: the setting, its default and the unit.
 * A test holds every flag of SETTINGS to a line here, so a new flag cannot ship unexplained.
 */
export const FLAG_HELP: Readonly<Record<string, string>> = {
  workers: 'reconciles that run at once, per controller (default 4)',
  'resync-period':
    'seconds between reconciles of every cached object and the Vault sweep (default 600); a no-op resync writes nothing',
  'stall-timeout':
    'seconds a watch may send nothing (no event, no bookmark) before it is restarted (default 60)',
  'heap-growing-percent':
    "how far V8 lets the heap grow past the last full collection's live objects, in percent (default 50; 0: V8's own, up to 300)",
  'idle-gc-seconds':
    'seconds without work after which one memory-reducing collection gives back what a burst grew, if the heap grew since the last (default 10; 0: never)',
  'leader-elect':
    'true|false: take the Lease before reconciling, for more than one replica (default true)',
  'lease-namespace': "the Lease's namespace (default posture-system)",
  'lease-name': "the Lease's name (default posture-operator)",
  'metrics-port': 'port of /metrics, /healthz and /readyz (default 8080; 0 picks a free one)',
  'metrics-host': 'address that port listens on (default 0.0.0.0)',
  'vault-addr': "Vault's address, e.g. https://vault.vault:8200 (required)",
  'vault-token-file': 'a file holding a Vault token, read again at every login (or --vault-role)',
  'vault-role':
    "log in with Kubernetes auth under this role (`posture vault operator-role` prints it), at the platform's vault.authMount",
  'vault-jwt-file':
    "the ServiceAccount token that login presents (default: the pod's token; a projected token for audience vault)",
  'vault-timeout-ms': 'deadline of each Vault request, in milliseconds (default 5000)',
  'exchange-endpoint':
    "an exchange's API base instead of its real host, e.g. binance=http://127.0.0.1:8081 (https, or http on loopback only)",
  'exchange-timeout-ms': 'deadline of one call to an exchange, in milliseconds (default 10000)',
  'exchange-check-interval':
    "seconds an exchange's answer about a key stands before it is asked again (default 86400)",
  'webhook-port': 'serve the alert webhook (POST /v1/isolate) on this port (off when absent)',
  'webhook-host': 'address the webhook listens on (default 0.0.0.0)',
  'webhook-key-file': 'the HMAC key ring (the JSON Vault Agent renders) alerts are signed with',
  'webhook-tls-cert-file': "the webhook's TLS certificate (with --webhook-tls-key-file)",
  'webhook-tls-key-file': "the webhook's TLS key (with --webhook-tls-cert-file)",
  'webhook-audit-file': 'append the webhook audit lines to this file (default stdout)',
  kubeconfig: 'a kubeconfig to use; in a pod, the in-cluster configuration when absent',
  'log-level': 'debug, info, warn or error (default info)',
};

/** The generic flags' lines of `posture operator --help`. */
export function settingsHelp(): string {
  return SETTINGS.map((s) => {
    const env = s.env.join(' or ');
    const what = FLAG_HELP[s.flag] ?? '';
    return s.multiple
      ? `  --${s.flag} <name>=<value>  ${what} (repeatable; env ${env}, comma-separated)`
      : `  --${s.flag} <value>  ${what} (env ${env})`;
  }).join('\n');
}
