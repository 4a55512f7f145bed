import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFileSync } from 'node:fs';
import { startEnvironment } from './src/testenv/environment.ts';
import { sampleCpu, cpuBetween, cpuOf } from './bench/support/cpu.ts';
import { applyAtLimit } from './bench/support/limit.ts';
import { KubeClient } from './src/operator/kube/client.ts';
import { loadKubeconfig } from './src/operator/kube/kubeconfig.ts';
import { Informer } from './src/operator/informer/informer.ts';
import { silentLog } from './src/operator/telemetry/log.ts';
import { renderResources } from './src/render/index.ts';
import { syntheticPlatform } from './src/render/testing/synthetic.ts';
import { RESOURCES } from './src/operator/kube/resources.ts';
import { childCache } from './src/controllers/kit/children.ts';
const exec = promisify(execFile);
const input = syntheticPlatform(1000);
const KINDS = new Set(['ServiceAccount', 'Service', 'Deployment', 'CiliumNetworkPolicy']);
const rendered = renderResources({ platform: input.platform, resources: input.resources, nkeys: (s) => input.platform.nats.users[`${s.namespace}/${s.name}`] });
const children = rendered.objects.map((o) => o.manifest).filter((m) => KINDS.has(m['kind'] as string)) as any[];
const namespaces = [...new Set(children.map((c) => c.metadata.namespace))];
for (const mode of (process.argv[2] ?? 'none,watch,none,watch').split(',')) {
  const env = await startEnvironment({ controllers: false, log: () => undefined });
  try {
    const k = (args: string[]) => exec(env.info.bin['kubectl']!, [`--kubeconfig=${env.info.kube.kubeconfig}`, ...args]);
    await k(['apply', '--server-side', '-f', 'charts/posture/crds/']);
    writeFileSync('/tmp/ns.json', JSON.stringify({ apiVersion: 'v1', kind: 'List', items: namespaces.map((n) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n } })) }));
    await k(['apply', '--server-side', '-f', '/tmp/ns.json']);
    const client = new KubeClient({ access: loadKubeconfig(env.info.kube.kubeconfig), timeoutMs: 60_000, fieldManager: 'posture' });
    const ctl = new AbortController();
    if (mode === 'watch') {
      const infs = ['serviceAccount', 'service', 'deployment', 'ciliumNetworkPolicy'].map((r, i) => {
        const inf = new Informer<any>({ source: client, resource: (RESOURCES as any)[r], log: silentLog, ...childCache(['ServiceAccount','Service','Deployment','CiliumNetworkPolicy'][i]!) });
        void inf.run(ctl.signal); return inf; });
      await Promise.all(infs.map((i) => i.waitForSync()));
    }
    await new Promise((r) => setTimeout(r, 1000));
    const b = { ...sampleCpu(env.servers()), self: cpuOf('self').own };
    const ms = await applyAtLimit(client, children, 16);
    await new Promise((r) => setTimeout(r, 500));
    const a = { ...sampleCpu(env.servers()), self: cpuOf('self').own };
    console.log(mode, Math.round(ms), JSON.stringify(cpuBetween(b, a)));
    ctl.abort();
  } finally { await env.stop(); }
}
