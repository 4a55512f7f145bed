/**
 * `kubectl explain postureplatform.spec` text for the settings schema (./settings.ts), by field
 * path. They live here so the settings' field definitions stay as they are (other changes to
 * them merge cleanly); the CRD test fails when a field has no description.
 */
export const PLATFORM_DESCRIPTIONS: Readonly<Record<string, string>> = {
  '': 'Cluster settings a platform CRs do not say; every field has a default matching a stock installation.',
  vault: 'Where Vault runs and how services log in to it.',
  'vault.address': 'Address the Vault Agent sidecar talks to.',
  'vault.authMount': 'Kubernetes auth mount, without auth/.',
  'vault.kvMount': 'KV v2 mount where posture keeps what it generates (NATS seeds).',
  'vault.namespace': 'Namespace of the Vault servers: the agent egress goes there only.',
  'vault.podLabels': 'Labels of the Vault server pods.',
  'vault.podLabels{}': 'Label value.',
  'vault.port': 'Port of the Vault servers.',
  'vault.tokenTtl': 'TTL of the tokens the Kubernetes-auth roles issue, such as 1h.',
  'vault.tokenMaxTtl': 'Maximum TTL of those tokens, such as 4h.',
  'vault.agentImage':
    'Image of the Vault Agent the injector runs; unset keeps the injector default.',
  'vault.tenancy': 'Which Vault paths a namespace CRs may name (docs/adr/0037-vault-tenancy.md).',
  'vault.tenancy.namespacePrefix':
    'The prefix a namespace owns, with {namespace} for its name; default <kvMount>/{namespace}/.',
  'vault.tenancy.sharedPrefixes':
    'Prefixes every namespace may read as plain secrets: a reviewed list, never credentials or key rings.',
  'vault.tenancy.sharedPrefixes[]': 'A prefix <mount>/<path>/ with a trailing /.',
  nats: 'Where nats-server runs and the accounts and users posture writes.',
  'nats.namespace': 'Namespace of nats-server.',
  'nats.service': 'Service name of nats-server.',
  'nats.podLabels': 'Labels of the nats-server pods.',
  'nats.podLabels{}': 'Label value.',
  'nats.port': 'Client port of nats-server.',
  'nats.account': 'The account that holds every service user.',
  'nats.systemAccount': 'The NATS system account.',
  'nats.systemUser':
    'NKey public key of the system account user (monitoring); unset, nobody logs in there.',
  'nats.users':
    'NKey public keys of each service NATS user by <namespace>/<name>, for posture synth (the operator keeps the seeds in Vault).',
  'nats.users{}': 'An NKey user public key (56 characters starting with U).',
  'nats.auth':
    'How nats-server authenticates services: config (one aggregated config of NKey users, up to about 3,000) or jwt (decentralized auth with a full resolver, docs/adr/0060).',
  'nats.jwt': 'With auth jwt: the public half of the keys, as posture nats init prints it.',
  'nats.jwt.operator': 'The operator JWT nats-server trusts (its seed stays in Vault).',
  'nats.jwt.systemAccount': 'The system account JWT, preloaded into the resolver.',
  'nats.jwt.resolverDir': 'Where the full resolver of nats-server keeps account JWTs.',
  dns: 'Where the cluster DNS runs: every service may resolve names there.',
  'dns.namespace': 'Namespace of the DNS pods.',
  'dns.podLabels': 'Labels of the DNS pods.',
  'dns.podLabels{}': 'Label value.',
  'dns.port': 'DNS port.',
  egressGateway: 'The cluster internet egress.',
  'egressGateway.ips': 'Public IPs the egress leaves from: exchange IP whitelists must hold them.',
  monitoring:
    'Pods that scrape metrics: services with a port named metrics let them in on that port only. Unset, nobody scrapes.',
  'monitoring.namespace': 'Namespace of the scraper pods.',
  devtron:
    'Devtron hardening (docs/devtron.md): dashboard only from the VPN, a least-privilege Role in each app namespace. Unset, nothing is rendered for Devtron.',
  'devtron.namespace': 'Namespace Devtron runs in.',
  'devtron.port': 'Port the dashboard pods listen on.',
  'devtron.vpnCidrs': 'VPN ranges allowed to reach the dashboard; nothing else may.',
  'devtron.serviceAccount':
    'Service account (in the Devtron namespace) that applies the gitops folder to app namespaces.',
  argocd:
    'Where Argo CD (or Devtron, which deploys through it) finds gitops/ and syncs it to; unset, synth writes no Applications.',
  'argocd.repoURL': 'The git repository that holds the gitops folder.',
  'argocd.targetRevision': 'The git revision Argo CD follows, such as main.',
  'argocd.path': 'The gitops folder path inside that repository.',
  'argocd.project': 'The Argo CD project the Applications belong to.',
  'argocd.namespace': 'The namespace Argo CD watches for Application objects.',
  'argocd.server': 'The destination cluster API server, as Argo CD knows it.',
  'argocd.environments': 'Per-environment overlays, rendered as gitops/argocd/envs/<env>/.',
  'argocd.environments{}': 'One environment.',
  'argocd.environments{}.server': 'The cluster this environment syncs to; default argocd.server.',
  'argocd.environments{}.targetRevision':
    'The git revision this environment follows; default argocd.targetRevision.',
  'argocd.environments{}.replicas': 'Replicas by <namespace>/<service>.',
  'argocd.environments{}.replicas{}': 'A replica count.',
  'argocd.environments{}.images': 'Images by <namespace>/<service>, by digest only.',
  'argocd.environments{}.images{}': 'An image <repository>@sha256:<64 hex>.',
};
