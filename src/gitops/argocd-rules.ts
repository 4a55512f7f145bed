import { NATS_AUTH_SECRET } from '../render/nats-auth.ts';
import type { Platform } from '../api/platform/settings.ts';

/**
 * The decisions behind gitops/argocd/ (docs/adr/0054-argocd-applications.md), one pure function
 * each: which wave a folder syncs in, what each Application is called, which fields Argo CD must
 * leave to posture's operator.
 */

export const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';

/** Folders of gitops/ that are synced in an earlier wave than the apps, in order. */
const WAVES: readonly { match: RegExp; wave: number; why: string }[] = [
  { match: /^cluster\/crds$/, wave: -3, why: 'the kinds everything else is made of' },
  { match: /^cluster\/namespaces$/, wave: -2, why: 'namespaces before what lives in them' },
  { match: /^cluster\//, wave: -1, why: 'admission policies before the objects they judge' },
  { match: /^apps\/[^/]+\/_baseline$/, wave: -1, why: 'default deny before any workload runs' },
];

/** The sync wave of the Application for a gitops folder: lower syncs first, apps at 0. */
export function syncWave(folder: string): number {
  return WAVES.find((w) => w.match.test(folder))?.wave ?? 0;
}

/**
 * The Application's name: the folder without `apps/`, `/` as `-`, a leading `_` dropped
 * (`apps/titan/_baseline` → `titan-baseline`), prefixed with the environment when there is one.
 */
export function applicationName(folder: string, env?: string): string {
  const base = folder
    .replace(/^apps\//, '')
    .split('/')
    .map((segment) => segment.replace(/^_+/, ''))
    .join('-');
  return env === undefined ? base : `${env}-${base}`;
}

/** The app-of-apps root: the one Application applied by hand. */
export function rootName(env?: string): string {
  return env === undefined ? 'posture' : `posture-${env}`;
}

/**
 * Pruning the CRDs would delete every CR of those kinds, and pruning a Namespace everything in
 * it: Argo CD never deletes these on its own; a person does, on purpose.
 */
export function prunes(folder: string): boolean {
  return folder !== 'cluster/crds' && folder !== 'cluster/namespaces';
}

export interface IgnoreRule {
  group: string;
  kind: string;
  name?: string;
  namespace?: string;
  jsonPointers?: string[];
  managedFieldsManagers?: string[];
}

/** The field manager posture's operator applies with (src/operator/kube/client.ts). */
export const OPERATOR_FIELD_MANAGER = 'posture';

const POSTURE_KINDS = ['ExchangeCredential', 'HmacKeyRing', 'TradingService'] as const;
const ISOLATION_KEYS = ['isolation-actor', 'isolation-reason', 'isolation-status'];

/** `posture.dev/isolation` as a JSON pointer segment: `/` is written `~1` (RFC 6901). */
const pointerKey = (key: string): string => key.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * What posture's operator (or a responder) writes at run time, which git never holds: Argo CD
 * must neither report it as drift nor undo it on selfHeal (with RespectIgnoreDifferences).
 * - `.status` of posture's kinds: the operator's report.
 * - the NATS auth Secret's data: the operator rewrites it on every NKey rotation; git holds the
 *   synth-time keys only.
 * - Deployment fields the operator owns: the KV version pins and restart stamps
 *   (docs/adr/0045) that move the pod template when a secret rotates.
 * - the isolation label and its annotations on a Namespace: an incident responder's switch; a
 *   sync that removed it would end an isolation (docs/adr/0047).
 */
export function ignoreRules(platform: Platform): IgnoreRule[] {
  const status = POSTURE_KINDS.map((kind) => ({
    group: 'posture.dev',
    kind,
    jsonPointers: ['/status'],
  }));
  const isolation = [
    `/metadata/labels/${pointerKey('posture.dev/isolation')}`,
    ...ISOLATION_KEYS.map((k) => `/metadata/annotations/${pointerKey(`posture.dev/${k}`)}`),
  ];
  return [
    ...status,
    {
      group: '',
      kind: 'Secret',
      name: NATS_AUTH_SECRET,
      namespace: platform.nats.namespace,
      jsonPointers: ['/data'],
    },
    { group: 'apps', kind: 'Deployment', managedFieldsManagers: [OPERATOR_FIELD_MANAGER] },
    { group: '', kind: 'Namespace', jsonPointers: isolation },
  ];
}

/**
 * Server-side apply: CRDs are larger than the 256 KiB last-applied annotation client-side apply
 * needs, and field ownership is what lets the operator and Argo CD share objects. Namespaces are
 * rendered (with their Pod Security labels), so Argo CD must not make bare ones.
 */
export const SYNC_OPTIONS = [
  'CreateNamespace=false',
  'RespectIgnoreDifferences=true',
  'ServerSideApply=true',
] as const;
