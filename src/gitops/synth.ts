import { crdObjects } from '../api/crd/generate.ts';
import { renderResources, type NkeySource, type Rendered, type RenderedVault } from '../render/index.ts';
import { NATS_AUTH_KEY, NATS_AUTH_SECRET } from '../render/nats-auth.ts';
import type { Platform } from '../api/platform/settings.ts';
import { assertNoProblems, InvalidInputError } from '../render/problems.ts';
import { policyWrite, roleWrite } from '../render/vault/policy.ts';
import { argocdFiles } from './argocd.ts';
import { gitopsFiles, groupByFile, type ReviewFile } from './layout.ts';
import type { PlatformSource } from './source.ts';
import { compareKeys } from '../lib/yaml.ts';
import type { Json } from '../lib/json.ts';

/**
 * `posture synth` without I/O: a validated platform folder in, the gitops file set out.
 * Throws InvalidInputError with every problem (file and field path) when the input is wrong.
 */

export interface SynthOutput {
  rendered: Rendered;
  /** gitops-relative path → content, sorted by path. */
  files: Map<string, string>;
}

/**
 * For synth, NKey public keys come from `platform.yaml` (`nats.users`): synth has no Vault to
 * read seeds from (docs/adr/0031-nkey-public-keys.md).
 */
export function platformNkeys(platform: Platform): NkeySource {
  return (s) => platform.nats.users[`${s.namespace}/${s.name}`];
}

/** JSON with sorted keys and two-space indentation: stable bytes for review diffs. */
export function reviewJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).sort((a, b) => compareKeys(a[0], b[0]));
  return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
}

function vaultReview(vault: readonly RenderedVault[]): ReviewFile[] {
  return vault.flatMap(({ app, access }) => {
    const base = `vault/${app.namespace}/${app.app}`;
    const writes = { policy: policyWrite(access.policy), role: roleWrite(access.role) };
    return [
      { path: `${base}.json`, content: reviewJson(writes) },
      { path: `${base}.policy.hcl`, content: writes.policy.body['policy'] as string },
    ];
  });
}

/**
 * The NATS auth config in plain text: the Secret in apps/ holds it base64-encoded (as the
 * operator writes it), which a review diff cannot read.
 */
function natsReview(rendered: Rendered): ReviewFile[] {
  const shipped = rendered.objects.some((o) => o.app.app === NATS_AUTH_SECRET);
  return shipped ? [{ path: `nats/${NATS_AUTH_KEY}`, content: rendered.nats.text }] : [];
}

export interface SynthOptions {
  /** Cluster-scoped objects shipped with the platform; posture's CRDs by default. */
  crds?: readonly { [key: string]: Json }[];
}

/** Problems render finds without a file are about platform settings: name platform.yaml. */
function inPlatformFile<T>(source: PlatformSource, render: () => T): T {
  try {
    return render();
  } catch (error) {
    if (!(error instanceof InvalidInputError) || source.platformFile === undefined) throw error;
    const file = source.platformFile;
    throw new InvalidInputError(error.problems.map((p) => ({ file, ...p })));
  }
}

export function synthesize(source: PlatformSource, options: SynthOptions = {}): SynthOutput {
  assertNoProblems(source.problems);
  const rendered = inPlatformFile(source, () =>
    renderResources({
      platform: source.platform,
      resources: source.resources,
      nkeys: platformNkeys(source.platform),
      crds: options.crds ?? crdObjects(),
    }),
  );
  const review = [...vaultReview(rendered.vault), ...natsReview(rendered)];
  const argocd = inPlatformFile(source, () => {
    const paths = [...groupByFile(rendered.objects).keys()];
    const found = argocdFiles(source.platform, rendered.objects, paths);
    assertNoProblems(found.problems);
    return found.files;
  });
  return { rendered, files: gitopsFiles(rendered.objects, review, argocd) };
}
