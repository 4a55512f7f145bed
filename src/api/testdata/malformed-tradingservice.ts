import { DUPLICATE, MATCH, OPEN, set, TYPE, type MalformedCase } from './row.ts';
import { validTradingService } from './valid.ts';

const ts = validTradingService();
const ports = ['spec', 'ports'];
const secret0 = ['spec', 'secrets', 0];
const cidr0 = {
  cidr: '10.20.0.0/16',
  ports: [5432],
  justification: 'managed database outside the cluster',
};

export const TRADING_SERVICE_ROWS: readonly MalformedCase[] = [
  set(
    'an image pinned by tag only',
    ts,
    [['spec', 'image'], 'ghcr.io/titan-platform/brain:latest'],
    MATCH,
  ),
  set(
    'an image whose digest is too short',
    ts,
    [['spec', 'image'], 'ghcr.io/titan-platform/brain@sha256:abc123'],
    MATCH,
  ),
  set('a missing image', ts, [['spec', 'image'], undefined], 'Required value'),
  set('a missing spec', ts, [['spec'], undefined], 'Required value'),
  set('replicas written as a string', ts, [['spec', 'replicas'], '2'], TYPE),
  set('a fractional replica count', ts, [['spec', 'replicas'], 1.5], TYPE),
  set(
    'a negative replica count',
    ts,
    [['spec', 'replicas'], -1],
    'should be greater than or equal to 0',
  ),
  set(
    'an unknown field in spec',
    ts,
    [['spec', 'imagePullPolicy'], 'Always'],
    'unknown field "spec.imagePullPolicy"',
  ),
  set(
    'a misspelled port field',
    ts,
    [[...ports, 0, 'protcol'], 'TCP'],
    'unknown field "spec.ports[0].protcol"',
  ),
  set(
    'a port above 65535',
    ts,
    [[...ports, 0, 'port'], 70000],
    'should be less than or equal to 65535',
  ),
  set(
    'an unsupported port protocol',
    ts,
    [[...ports, 0, 'protocol'], 'SCTP'],
    'Unsupported value: "SCTP"',
  ),
  set(
    'a port name longer than 15 characters',
    ts,
    [[...ports, 0, 'name'], 'http-metrics-endpoint'],
    'Too long',
  ),
  set(
    'two ports with the same name',
    ts,
    [
      ports,
      [
        { name: 'http', port: 8080 },
        { name: 'http', port: 8081 },
      ],
    ],
    DUPLICATE,
  ),
  set('publishing to every subject', ts, [['spec', 'nats', 'publish'], ['>']], "publishing to '>'"),
  set(
    'a subject with an empty token',
    ts,
    [['spec', 'nats', 'subscribe', 0], 'titan..data'],
    MATCH,
  ),
  set(
    "a subject with '>' before the last token",
    ts,
    [['spec', 'nats', 'subscribe', 0], 'titan.>.data'],
    MATCH,
  ),
  set('a subject with a space', ts, [['spec', 'nats', 'publish', 0], 'titan.evt brain'], MATCH),
  set('a lowercase NATS account', ts, [['spec', 'nats', 'account'], 'titan'], MATCH),
  set(
    'an allowResponses expiry that is not a duration',
    ts,
    [['spec', 'nats', 'allowResponses'], { expires: '1 minute' }],
    { apiserver: MATCH, path: 'spec.nats.allowResponses.expires' },
  ),
  set(
    'a secret name that is not an environment variable name',
    ts,
    [[...secret0, 'name'], 'db-url'],
    MATCH,
  ),
  set(
    'a secret Vault path with a .. segment',
    ts,
    [[...secret0, 'vaultPath'], 'secret/titan/../root'],
    MATCH,
  ),
  set('a secret file name with a directory', ts, [[...secret0, 'file'], '../etc/passwd'], MATCH),
  set('a secret without key', ts, [[...secret0, 'key'], undefined], 'Required value'),
  set('a secret and an hmac key sharing a file', ts, [[...secret0, 'file'], 'hmac'], {
    apiserver: 'its own file',
    path: 'spec.secrets',
  }),
  set(
    'an hmac role other than signer or listener',
    ts,
    [['spec', 'hmac', 0, 'role'], 'verifier'],
    'Unsupported value: "verifier"',
  ),
  set(
    'an exchange credential listed twice',
    ts,
    [
      ['spec', 'exchangeCredentials'],
      ['binance', 'binance'],
    ],
    DUPLICATE,
  ),
  set(
    'ingress on a port the service does not declare',
    ts,
    [['spec', 'ingress', 0, 'ports'], [9999]],
    { apiserver: 'ingress ports must be ports', path: 'spec.ingress' },
  ),
  set(
    'an ingress peer with an invalid namespace',
    ts,
    [['spec', 'ingress', 0, 'namespace'], 'Titan_Prod'],
    MATCH,
  ),
  set(
    'an egress CIDR without justification',
    ts,
    [['spec', 'egress', 'cidrs'], [{ cidr: '10.20.0.0/16' }]],
    { apiserver: 'Required value', path: 'spec.egress.cidrs[0].justification' },
  ),
  set(
    'egress to the whole IPv4 internet',
    ts,
    [['spec', 'egress', 'cidrs'], [{ ...cidr0, cidr: '0.0.0.0/0' }]],
    { apiserver: OPEN, path: 'spec.egress.cidrs[0].cidr' },
  ),
  set(
    'an egress CIDR with a prefix above 32',
    ts,
    [['spec', 'egress', 'cidrs'], [{ ...cidr0, cidr: '10.0.0.0/33' }]],
    { apiserver: 'invalid CIDR', path: 'spec.egress.cidrs[0].cidr' },
  ),
  set(
    'an egress FQDN written as a URL',
    ts,
    [['spec', 'egress', 'fqdns', 0, 'name'], 'https://api.binance.com'],
    MATCH,
  ),
  set(
    'an egress FQDN that is only a wildcard',
    ts,
    [['spec', 'egress', 'fqdns', 0, 'name'], '*'],
    MATCH,
  ),
  set('running as root', ts, [['spec', 'securityContext'], { runAsUser: 0 }], {
    apiserver: 'should be greater than or equal to 1',
    path: 'spec.securityContext.runAsUser',
  }),
  set(
    'a CPU request that is not a quantity',
    ts,
    [['spec', 'resources'], { requests: { cpu: 'lots' } }],
    { apiserver: MATCH, path: 'spec.resources.requests.cpu' },
  ),
  set('a name that cannot be a Service name', ts, [['metadata', 'name'], '9brain'], {
    apiserver: 'DNS-1035',
    path: 'metadata',
  }),
  set('an unknown top-level field', ts, [['specs'], {}], 'unknown field "specs"'),
];
