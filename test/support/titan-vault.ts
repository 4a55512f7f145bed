/**
 * The Titan example's Vault side in the real test Vault, as the operator leaves it: every
 * service's ServiceAccount in the apiserver, the policy and Kubernetes-auth role the shared
 * render generates (written at a mount of the test's own), and a value at every declared path.
 * Namespaces and Vault paths carry a random suffix, so parallel tests never meet.
 */
import { randomBytes } from 'node:crypto';
import { synthesize } from '../../src/gitops/synth.ts';
import type { Rendered, RenderedVault } from '../../src/render/index.ts';
import { policyWrite, roleWrite } from '../../src/render/vault/policy.ts';
import { mustKubectl, kubernetesAuthMount } from './kubernetes-auth.ts';
import { readExample, withNamespaceSuffix } from './render.ts';
import { rootVault } from './tradingservice.ts';

const ANNOTATION = 'vault.hashicorp.com/';

export interface TitanVault {
  namespace: string;
  mount: string;
  rendered: Rendered;
  /** Each service's rendered policy and role, sorted by service. */
  services: RenderedVault[];
  /** KV v2 data path → the values seeded there. */
  seeded: Map<string, Record<string, string>>;
  /** The pod template annotations of a service's Deployment. */
  annotations: (service: string) => Record<string, string>;
  /** Writes a new version at a data path (and remembers it in `seeded`). */
  seed: (dataPath: string, data: Record<string, string>) => Promise<void>;
  remove: () => Promise<void>;
}

type Deployment = {
  kind?: string;
  metadata?: { name?: string };
  spec?: { template?: { metadata?: { annotations?: Record<string, string> } } };
};

function deploymentAnnotations(rendered: Rendered, service: string): Record<string, string> {
  const found = rendered.objects
    .map((o) => o.manifest as Deployment)
    .find((m) => m.kind === 'Deployment' && m.metadata?.name === service);
  const annotations = found?.spec?.template?.metadata?.annotations;
  if (!annotations) throw new Error(`no Deployment with pod annotations rendered for ${service}`);
  return annotations;
}

/** The fields each file's template reads at its path (`index .Data.data "url"`), by path. */
function fieldsByPath(rendered: Rendered, services: readonly string[]): Map<string, Set<string>> {
  const fields = new Map<string, Set<string>>();
  for (const service of services) {
    const annotations = deploymentAnnotations(rendered, service);
    for (const [key, path] of Object.entries(annotations)) {
      if (!key.startsWith(`${ANNOTATION}agent-inject-secret-`)) continue;
      const file = key.slice(`${ANNOTATION}agent-inject-secret-`.length);
      const template = annotations[`${ANNOTATION}agent-inject-template-${file}`] ?? '';
      const set = fields.get(path) ?? new Set<string>();
      for (const [, field = ''] of template.matchAll(/index \.Data\.data "([^"]+)"/g))
        set.add(field);
      fields.set(path, set);
    }
  }
  return fields;
}

export async function setUpTitanVault(label: string): Promise<TitanVault> {
  const root = rootVault();
  const suffix = randomBytes(3).toString('hex');
  const source = withNamespaceSuffix(readExample(), suffix);
  const namespace = `titan-${suffix}`;
  await mustKubectl(['create', 'namespace', namespace]);
  const auth = await kubernetesAuthMount(root, namespace);
  const platform = {
    ...source.platform,
    vault: { ...source.platform.vault, authMount: auth.mount },
  };
  const { rendered } = synthesize({ ...source, platform });
  const services = rendered.vault;
  const seeded = new Map<string, Record<string, string>>();
  const seed = async (dataPath: string, data: Record<string, string>) => {
    await root.write({ path: dataPath, body: { data } });
    seeded.set(dataPath, data);
  };
  for (const { app, access } of services) {
    await mustKubectl(['-n', namespace, 'create', 'serviceaccount', app.app]);
    await root.write(policyWrite(access.policy));
    await root.write(roleWrite(access.role));
  }
  const fields = fieldsByPath(
    rendered,
    services.map((s) => s.app.app),
  );
  for (const [path, names] of [...fields].sort(([a], [b]) => a.localeCompare(b))) {
    const tag = `${label}-${suffix}-${path.split('/').slice(2).join('.')}`;
    const data: Record<string, string> = { value: tag };
    for (const field of names) data[field] = `${field}:${tag}`;
    await seed(path, data);
  }
  return {
    namespace,
    mount: auth.mount,
    rendered,
    services,
    seeded,
    annotations: (service) => deploymentAnnotations(rendered, service),
    seed,
    remove: async () => {
      for (const { access } of services) await root.deletePolicy(access.policy.name);
      for (const path of seeded.keys()) await root.delete(path.replace('/data/', '/metadata/'));
      await auth.remove();
      await mustKubectl(['delete', 'namespace', namespace, '--wait=false']);
    },
  };
}
