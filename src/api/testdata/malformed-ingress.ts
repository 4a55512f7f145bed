import { MATCH, set, type MalformedCase } from './row.ts';
import { validTradingService } from './valid.ts';

/**
 * Ingress from workloads that are not TradingServices (`spec.ingress[].workload`): the selector
 * must stay inside one named namespace and select by at least one valid label, on listed ports.
 */
const ts = validTradingService();
const ingress0 = ['spec', 'ingress', 0];
const scraper = {
  workload: { namespace: 'monitoring', podLabels: { 'app.kubernetes.io/name': 'prometheus' } },
  ports: [8080],
};
const withLabels = (podLabels: Record<string, string>) => ({
  ...scraper,
  workload: { ...scraper.workload, podLabels },
});
const inNamespace = (namespace: string) => ({
  ...scraper,
  workload: { ...scraper.workload, namespace },
});
const PODLABELS = 'spec.ingress[0].workload.podLabels';

export const INGRESS_ROWS: readonly MalformedCase[] = [
  set('a workload peer with an empty pod selector', ts, [ingress0, withLabels({})], {
    apiserver: 'podLabels must not be empty',
    path: PODLABELS,
  }),
  set('a workload peer in every namespace', ts, [ingress0, inNamespace('*')], {
    apiserver: MATCH,
    path: 'spec.ingress[0].workload.namespace',
  }),
  set('a workload peer with an invalid namespace', ts, [ingress0, inNamespace('Monitoring')], {
    apiserver: MATCH,
    path: 'spec.ingress[0].workload.namespace',
  }),
  set(
    'a workload peer without a namespace',
    ts,
    [ingress0, { ...scraper, workload: { podLabels: scraper.workload.podLabels } }],
    { apiserver: 'Required value', path: 'spec.ingress[0].workload.namespace' },
  ),
  set(
    'an ingress entry naming both a service and a workload',
    ts,
    [ingress0, { ...scraper, service: 'console' }],
    { apiserver: 'exactly one', path: 'spec.ingress[0]' },
  ),
  set(
    'an ingress entry naming neither a service nor a workload',
    ts,
    [ingress0, { ports: [8080] }],
    { apiserver: 'exactly one', path: 'spec.ingress[0]' },
  ),
  set(
    "a workload peer's namespace outside workload",
    ts,
    [ingress0, { ...scraper, namespace: 'monitoring' }],
    { apiserver: 'goes in workload.namespace', path: 'spec.ingress[0].namespace' },
  ),
  set('a workload peer without ports', ts, [ingress0, { ...scraper, ports: [] }], {
    apiserver: 'must list the ports',
    path: 'spec.ingress[0].ports',
  }),
  set(
    'a workload peer on a port the service does not declare',
    ts,
    [ingress0, { ...scraper, ports: [9090] }],
    { apiserver: 'ingress ports must be ports', path: 'spec.ingress' },
  ),
  set(
    'a pod label key with a Cilium source prefix',
    ts,
    [ingress0, withLabels({ 'k8s:io.kubernetes.pod.namespace': 'kube-system' })],
    { apiserver: 'Kubernetes label keys', path: PODLABELS },
  ),
  set('a pod label key with a space', ts, [ingress0, withLabels({ 'app name': 'x' })], {
    apiserver: 'Kubernetes label keys',
    path: PODLABELS,
  }),
  set(
    'a pod label key whose prefix is longer than a DNS name',
    ts,
    [ingress0, withLabels({ [`${'a'.repeat(254)}/app`]: 'x' })],
    { apiserver: 'Kubernetes label keys', path: PODLABELS },
  ),
  set('a pod label value that is a wildcard', ts, [ingress0, withLabels({ app: '*' })], {
    apiserver: MATCH,
    path: `${PODLABELS}.app`,
  }),
  set(
    'a workload peer with more than 8 pod labels',
    ts,
    [ingress0, withLabels(Object.fromEntries([...'abcdefghi'].map((k) => [k, 'x'])))],
    { apiserver: 'Too many', path: PODLABELS },
  ),
];
