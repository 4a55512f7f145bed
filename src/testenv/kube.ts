import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  freePort,
  freePorts,
  httpOk,
  httpsOk,
  startProcess,
  waitUntil,
  type Managed,
} from './process.ts';

export interface ControlPlane {
  server: string;
  token: string;
  caFile: string;
  kubeconfig: string;
  /** JSON lines, one audit event per request of a ServiceAccount outside kube-system. */
  auditLog: string;
  etcdUrl: string;
  processes: Managed[];
  /** Stops and starts kube-apiserver again on the same port and data (for recovery tests). */
  restartApiserver(): Promise<void>;
}

export function kubeconfigYaml(server: string, caFile: string, token: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: posture-test',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority: ${caFile}`,
    'users:',
    '- name: admin',
    '  user:',
    `    token: ${token}`,
    'contexts:',
    '- name: posture-test',
    '  context:',
    '    cluster: posture-test',
    '    user: admin',
    'current-context: posture-test',
    '',
  ].join('\n');
}

async function startEtcd(bin: string, dir: string): Promise<{ etcd: Managed; url: string }> {
  const [client, peer] = await freePorts(2);
  const url = `http://127.0.0.1:${client}`;
  const etcd = startProcess({
    name: 'etcd',
    bin,
    logFile: join(dir, 'etcd.log'),
    args: [
      '--name=posture',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${url}`,
      `--advertise-client-urls=${url}`,
      `--listen-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-cluster=posture=http://127.0.0.1:${peer}`,
      // Test data is thrown away: skipping fsync makes etcd (and so every write) much faster.
      '--unsafe-no-fsync',
      '--log-level=warn',
    ],
  });
  await waitUntil(etcd, () => httpOk(`${url}/health`), { timeoutMs: 30_000 });
  return { etcd, url };
}

interface ApiserverFiles {
  dir: string;
  etcdUrl: string;
  port: number;
  token: string;
}

function writeApiserverFiles(dir: string, token: string): void {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: 0o600,
  });
  writeFileSync(join(dir, 'tokens.csv'), `${token},admin,admin-uid,"system:masters"\n`, {
    mode: 0o600,
  });
  writeFileSync(join(dir, 'audit-policy.yaml'), AUDIT_POLICY);
}

/**
 * Audit what ServiceAccounts outside kube-system do, at Metadata level (never bodies): tests
 * read it to prove the operator's RBAC is exactly what it uses. Everything else is not logged.
 */
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: None
    userGroups: ['system:serviceaccounts:kube-system']
  - level: Metadata
    userGroups: ['system:serviceaccounts']
  - level: None
`;

function apiserverArgs({ dir, etcdUrl, port }: ApiserverFiles): string[] {
  return [
    `--etcd-servers=${etcdUrl}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${port}`,
    `--cert-dir=${join(dir, 'certs')}`,
    `--token-auth-file=${join(dir, 'tokens.csv')}`,
    '--authorization-mode=RBAC',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${join(dir, 'sa.pub')}`,
    `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
    '--service-cluster-ip-range=10.96.0.0/16',
    '--allow-privileged=true',
    // Setting blockOwnerDeletion needs update on the owner's finalizers, as in hardened clusters.
    '--enable-admission-plugins=OwnerReferencesPermissionEnforcement',
    `--audit-policy-file=${join(dir, 'audit-policy.yaml')}`,
    `--audit-log-path=${join(dir, 'audit.log')}`,
    '--audit-log-format=json',
    '--audit-log-maxsize=200',
    '--v=1',
  ];
}

async function startApiserver(bin: string, files: ApiserverFiles): Promise<Managed> {
  const apiserver = startProcess({
    name: 'kube-apiserver',
    bin,
    logFile: join(files.dir, 'kube-apiserver.log'),
    args: apiserverArgs(files),
  });
  const caFile = join(files.dir, 'certs', 'apiserver.crt');
  const ready = async (): Promise<boolean> =>
    httpsOk(`https://127.0.0.1:${files.port}/readyz`, readFileSync(caFile, 'utf8'), files.token);
  await waitUntil(apiserver, ready, { timeoutMs: 90_000, intervalMs: 250 });
  return apiserver;
}

export interface ControlPlaneOptions {
  dir: string;
  bin: Record<string, string>;
}

/** etcd + kube-apiserver with RBAC, a static admin token and a self-signed serving certificate. */
export async function startControlPlane({ dir, bin }: ControlPlaneOptions): Promise<ControlPlane> {
  mkdirSync(join(dir, 'certs'), { recursive: true });
  const token = randomBytes(24).toString('hex');
  writeApiserverFiles(dir, token);
  const { etcd, url: etcdUrl } = await startEtcd(need(bin, 'etcd'), dir);
  const files = { dir, etcdUrl, port: await freePort(), token };
  const processes: Managed[] = [etcd];
  let apiserver: Managed;
  try {
    apiserver = await startApiserver(need(bin, 'kube-apiserver'), files);
  } catch (error) {
    await etcd.stop();
    throw error;
  }
  processes.push(apiserver);
  const server = `https://127.0.0.1:${files.port}`;
  const caFile = join(dir, 'certs', 'apiserver.crt');
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigYaml(server, caFile, token), { mode: 0o600 });
  const restartApiserver = async (): Promise<void> => {
    await apiserver.stop();
    apiserver = await startApiserver(need(bin, 'kube-apiserver'), files);
    processes[1] = apiserver;
  };
  const auditLog = join(dir, 'audit.log');
  return { server, token, caFile, kubeconfig, auditLog, etcdUrl, processes, restartApiserver };
}

export function need(bin: Record<string, string>, name: string): string {
  const path = bin[name];
  if (!path) throw new Error(`test environment: binary ${name} was not built`);
  return path;
}
