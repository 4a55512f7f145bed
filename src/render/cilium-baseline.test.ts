import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';

/**
 * policies/cilium/ is the standalone baseline (issue 18, item 5): these tests say what each file
 * must allow or deny; test/integration/render-manifests.test.ts applies every file to the real
 * apiserver with Cilium's CRDs (server-side dry run, strict field validation).
 */

interface Rule {
  toEndpoints?: { matchLabels: Record<string, string> }[];
  toEntities?: string[];
  toPorts?: { ports: { port: string; protocol: string }[]; rules?: { dns?: unknown[] } }[];
}

interface Policy {
  kind: string;
  metadata: { name: string };
  spec: {
    endpointSelector: { matchLabels?: Record<string, string> };
    enableDefaultDeny?: { ingress?: boolean; egress?: boolean };
    ingress?: Rule[];
    egress?: Rule[];
  };
}

const DIR = 'policies/cilium';
const read = (file: string): Policy => parse(readFileSync(`${DIR}/${file}`, 'utf8')) as Policy;
const ports = (rule: Rule | undefined): string[] =>
  (rule?.toPorts ?? []).flatMap((p) => p.ports.map((x) => `${x.port}/${x.protocol}`)).sort();

describe('the Cilium baseline policies', () => {
  it('should be the default deny, DNS and apiserver access, each a CiliumNetworkPolicy', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
    assert.deepEqual(files.sort(), [
      'allow-dns.yaml',
      'default-deny.yaml',
      'kube-apiserver-access.yaml',
    ]);
    for (const file of files) assert.equal(read(file).kind, 'CiliumNetworkPolicy', file);
  });

  it('should deny all ingress and egress of every endpoint by default', () => {
    const { spec } = read('default-deny.yaml');
    assert.deepEqual(spec.endpointSelector, {});
    assert.deepEqual(spec.enableDefaultDeny, { ingress: true, egress: true });
    // The empty rules select nothing to allow: they only turn the default deny on.
    assert.deepEqual(spec.ingress, [{}]);
    assert.deepEqual(spec.egress, [{}]);
  });

  it('should let every endpoint resolve names at kube-dns only, through the DNS proxy', () => {
    const { spec } = read('allow-dns.yaml');
    assert.deepEqual(spec.endpointSelector, {});
    assert.equal(spec.egress?.length, 1);
    const [rule] = spec.egress ?? [];
    assert.deepEqual(rule?.toEndpoints, [
      { matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s-app': 'kube-dns' } },
    ]);
    assert.deepEqual(ports(rule), ['53/TCP', '53/UDP']);
    assert.ok(rule?.toPorts?.[0]?.rules?.dns, 'DNS rules, so Cilium proxies and sees names');
    assert.equal(spec.ingress, undefined);
  });

  it('should let only pods labelled for it reach the apiserver', () => {
    const { spec } = read('kube-apiserver-access.yaml');
    assert.deepEqual(spec.endpointSelector, {
      matchLabels: { 'posture.dev/kube-api-access': 'true' },
    });
    assert.equal(spec.egress?.length, 1);
    assert.deepEqual(spec.egress?.[0]?.toEntities, ['kube-apiserver']);
    assert.deepEqual(ports(spec.egress?.[0]), ['443/TCP', '6443/TCP']);
  });
});
