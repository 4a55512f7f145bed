import { findingOf, type Rule } from '../rule.ts';
import type { Source } from '../sources.ts';
import { dig, entries, get, items, text, type YamlDoc } from '../yaml-nav.ts';

type Labels = Record<string, string>;

interface Policy {
  /** undefined: cluster-wide; '' : applied without a namespace in the file. */
  namespace?: string;
  selector: unknown;
}

interface Workload {
  file: string;
  doc: YamlDoc;
  kind: string;
  name: string;
  namespace: string;
  labels: Labels;
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
const NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';

const labelsOf = (node: unknown): Labels =>
  Object.fromEntries(entries(node).map(([key, , value]) => [key, text(value) ?? '']));

// Cilium writes label keys with a source prefix (k8s:app); the namespace is a pseudo-label.
const bare = (key: string): string => key.replace(/^(?:k8s|any):/, '');

function expressionHolds(expression: unknown, labels: Labels): boolean {
  const key = bare(text(get(expression, 'key')) ?? '');
  const values = items(get(expression, 'values')).map((value) => text(value));
  const operator = text(get(expression, 'operator'));
  const has = key in labels;
  if (operator === 'In') return has && values.includes(labels[key]);
  if (operator === 'NotIn') return !has || !values.includes(labels[key]);
  if (operator === 'Exists') return has;
  return operator === 'DoesNotExist' && !has;
}

/** A Kubernetes label selector (Cilium's too) against a pod's labels plus its namespace. */
export function selects(selector: unknown, labels: Labels): boolean {
  if (selector === undefined) return false;
  const matchOk = entries(get(selector, 'matchLabels')).every(
    ([key, , value]) => labels[bare(key)] === text(value),
  );
  const expressionsOk = items(get(selector, 'matchExpressions')).every((expression) =>
    expressionHolds(expression, labels),
  );
  return matchOk && expressionsOk;
}

function policyOf(root: unknown): Policy | undefined {
  const kind = text(get(root, 'kind'));
  const namespace = text(dig(root, 'metadata', 'namespace')) ?? '';
  if (kind === 'NetworkPolicy') return { namespace, selector: dig(root, 'spec', 'podSelector') };
  if (kind === 'CiliumNetworkPolicy') {
    return { namespace, selector: dig(root, 'spec', 'endpointSelector') };
  }
  if (kind === 'CiliumClusterwideNetworkPolicy') {
    return { selector: dig(root, 'spec', 'endpointSelector') };
  }
  return undefined;
}

function workloadOf(file: string, doc: YamlDoc): Workload | undefined {
  const kind = text(get(doc.root, 'kind')) ?? '';
  if (!WORKLOADS.has(kind)) return undefined;
  const namespace = text(dig(doc.root, 'metadata', 'namespace')) ?? '';
  const labels = labelsOf(dig(doc.root, 'spec', 'template', 'metadata', 'labels'));
  const name = text(dig(doc.root, 'metadata', 'name')) ?? '(unnamed)';
  return { file, doc, kind, name, namespace, labels: { ...labels, [NAMESPACE_LABEL]: namespace } };
}

// A namespaced policy selects pods of its own namespace only; one without a namespace in the
// file selects only workloads that also have none (both go wherever they are applied).
const covers = (policy: Policy, workload: Workload): boolean =>
  (policy.namespace === undefined || policy.namespace === workload.namespace) &&
  selects(policy.selector, workload.labels);

const manifests = (sources: readonly Source[]): Array<{ file: string; doc: YamlDoc }> =>
  sources.flatMap((source) =>
    source.kind === 'yaml' && source.role === 'yaml'
      ? source.yaml.docs.map((doc) => ({ file: source.path, doc }))
      : [],
  );

const info = {
  id: 'deployment-no-network-policy',
  severity: 'high' as const,
  summary:
    'Deployment whose pods no NetworkPolicy or CiliumNetworkPolicy in the repository selects',
  fix: 'add a (Cilium)NetworkPolicy in the same namespace whose selector matches the pod template labels (posture synth renders one per TradingService, plus a default deny)',
};

export const deploymentNoNetworkPolicy: Rule = {
  ...info,
  check(sources) {
    const all = manifests(sources);
    const policies = all.map(({ doc }) => policyOf(doc.root)).filter((p) => p !== undefined);
    return all
      .map(({ file, doc }) => workloadOf(file, doc))
      .filter((w): w is Workload => w !== undefined && !policies.some((p) => covers(p, w)))
      .map((w) =>
        findingOf(info, w.file, {
          place: w.doc.at(dig(w.doc.root, 'metadata', 'name') ?? w.doc.root),
          message: `${w.kind} ${w.namespace || '(no namespace)'}/${w.name}: no network policy in the repository selects its pods, so they accept and send any traffic`,
        }),
      );
  },
};
