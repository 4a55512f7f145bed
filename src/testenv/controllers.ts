import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { need, type ControlPlane } from './kube.ts';
import { freePort, httpOk, startProcess, waitUntil, type Managed } from './process.ts';

/**
 * kube-controller-manager and kube-scheduler, so Deployments really create ReplicaSets and Pods
 * and Pods get scheduled; kwok plays the kubelet of simulated Nodes, so Pods become Ready.
 */
export async function startControllers(
  plane: ControlPlane,
  bin: Record<string, string>,
  dir: string,
): Promise<Managed[]> {
  const common = [`--kubeconfig=${plane.kubeconfig}`, '--leader-elect=false', '--v=1'];
  const kcm = startProcess({
    name: 'kube-controller-manager',
    bin: need(bin, 'kube-controller-manager'),
    logFile: join(dir, 'kube-controller-manager.log'),
    args: [
      ...common,
      // No serving endpoint: nothing scrapes it and it would need its own authn config.
      '--secure-port=0',
      `--service-account-private-key-file=${join(dir, 'sa.key')}`,
      `--root-ca-file=${plane.caFile}`,
      '--use-service-account-credentials=false',
      '--controllers=*,-nodeipam,-cloud-node-lifecycle,-service,-route',
      // kwok renews its simulated nodes' heartbeat close to the default 50 s grace period: on a
      // loaded machine they flapped NotReady about once a minute, and each time the node
      // lifecycle controller marked every pod on them not Ready, which kwok never undid, so
      // Deployments stopped at 0 available with every pod Running (a clean-clone CI run). The
      // controller stays (it lifts the not-ready taint of new nodes); the grace period is long.
      '--node-monitor-grace-period=10m',
    ],
  });
  const scheduler = startProcess({
    name: 'kube-scheduler',
    bin: need(bin, 'kube-scheduler'),
    logFile: join(dir, 'kube-scheduler.log'),
    args: [...common, '--secure-port=0'],
  });
  const kwokPort = await freePort();
  const kwok = startProcess({
    name: 'kwok',
    bin: need(bin, 'kwok'),
    logFile: join(dir, 'kwok.log'),
    args: [
      `--kubeconfig=${plane.kubeconfig}`,
      '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      `--server-address=127.0.0.1:${kwokPort}`,
      // Pod IPs kwok writes into status only: nothing ever connects to them.
      '--cidr=10.244.0.0/16',
      '--node-ip=10.244.0.1',
    ],
    env: { HOME: dir },
  });
  await waitUntil(kwok, () => httpOk(`http://127.0.0.1:${kwokPort}/healthz`), {
    timeoutMs: 30_000,
  });
  return [kcm, scheduler, kwok];
}

/** A Node that kwok manages (annotation `kwok.x-k8s.io/node: fake`), with room for many Pods. */
export function kwokNodeManifest(name: string): string {
  const node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
      },
    },
    status: {
      allocatable: { cpu: '64', memory: '256Gi', pods: '1000' },
      capacity: { cpu: '64', memory: '256Gi', pods: '1000' },
    },
  };
  return JSON.stringify(node);
}

export function writeKwokNodes(dir: string, names: string[]): string {
  const file = join(dir, 'kwok-nodes.json');
  const items = names.map((n) => JSON.parse(kwokNodeManifest(n)) as unknown);
  writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  return file;
}
