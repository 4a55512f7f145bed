import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { kwokNodeManifest } from './controllers.ts';
import { kubeconfigYaml } from './kube.ts';

describe('kubeconfig for the test apiserver', () => {
  it('points at the loopback server, trusts its CA file and sends the admin token', () => {
    const config = parse(kubeconfigYaml('https://127.0.0.1:6443', '/tmp/ca.crt', 't0k')) as {
      clusters: { cluster: Record<string, string> }[];
      users: { user: Record<string, string> }[];
      'current-context': string;
    };
    assert.deepEqual(config.clusters[0]?.cluster, {
      server: 'https://127.0.0.1:6443',
      'certificate-authority': '/tmp/ca.crt',
    });
    assert.equal(config.users[0]?.user.token, 't0k');
    assert.equal(config['current-context'], 'posture-test');
  });
});

describe('kwok nodes', () => {
  it('are marked for kwok to manage and have room for many pods', () => {
    const node = JSON.parse(kwokNodeManifest('kwok-node-0')) as {
      metadata: { annotations: Record<string, string> };
      status: { allocatable: { pods: string } };
    };
    assert.equal(node.metadata.annotations['kwok.x-k8s.io/node'], 'fake');
    assert.ok(Number(node.status.allocatable.pods) >= 100);
  });
});
