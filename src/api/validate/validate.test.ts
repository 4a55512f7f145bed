import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { runValidate } from '../../cli/validate.ts';
import { ALIAS_BOMB } from '../testdata/alias-bomb.ts';
import { MALFORMED } from '../testdata/malformed.ts';
import { validTradingService } from '../testdata/valid.ts';
import { formatPath } from './issues.ts';
import { validateObject } from './validate.ts';
import { validateYaml } from './documents.ts';
import { scratchDir } from '../../lib/testing/scratch.ts';

function capture(paths: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runValidate(paths, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

function withTempDir<T>(fn: (dir: string) => T): T {
  return fn(scratchDir('posture-validate-'));
}

describe('malformed objects', () => {
  it('has at least 30 rows', () => assert.ok(MALFORMED.length >= 30));

  for (const c of MALFORMED) {
    it(`should reject ${c.name} at ${c.path}`, () => {
      const verdict = validateObject(c.object);
      assert.equal(verdict.status, 'invalid');
      if (verdict.status !== 'invalid') return;
      const paths = verdict.problems.map((p) => formatPath(p.path));
      assert.ok(paths.includes(c.path), `expected a problem at ${c.path}, got ${paths.join(', ')}`);
      for (const p of verdict.problems) {
        assert.ok(
          p.message.length > 0 && p.fix.length > 0,
          `${formatPath(p.path)} lacks message or fix`,
        );
      }
    });
  }

  it('should report every malformed object of a multi-document file, with file, object, path and fix', () => {
    withTempDir((dir) => {
      const file = join(dir, 'bad.yaml');
      writeFileSync(file, MALFORMED.map((c) => stringify(c.object)).join('---\n'));
      const { code, out, err } = capture([file]);
      assert.equal(code, 1);
      for (const [i, c] of MALFORMED.entries()) {
        const name = (c.object['metadata'] as { name: string }).name;
        const hit = out.find(
          (line) => line.includes(`: ${c.path}: `) && line.includes(`/${name}: `),
        );
        assert.ok(hit, `no line for row ${i} (${c.name})`);
        assert.match(
          hit,
          new RegExp(`^${file}:[0-9]+: [A-Za-z]+/titan/${name}: .+ \\(fix: .+\\)$`),
        );
      }
      assert.match(
        err.join('\n'),
        new RegExp(`${MALFORMED.length} object\\(s\\) in 1 file\\(s\\)`),
      );
    });
  });
});

describe('posture validate', () => {
  it('should accept the Titan examples and exit 0', () => {
    const { code, out, err } = capture(['examples/titan']);
    assert.deepEqual(out, []);
    assert.equal(code, 0);
    assert.match(err.join(''), /13 object\(s\) in [0-9]+ file\(s\): all valid/);
  });

  it('should skip documents of other API groups and empty documents', () => {
    const text = `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n---\n${stringify(validTradingService())}`;
    const report = validateYaml('mixed.yaml', text);
    assert.deepEqual(report, { objects: 1, findings: [] });
  });

  it('should report a YAML syntax error with its line', () => {
    const report = validateYaml(
      'broken.yaml',
      'apiVersion: posture.dev/v1alpha1\nkind: [TradingService\n',
    );
    assert.equal(report.findings.length > 0, true);
    assert.equal(report.findings[0]?.path, '(yaml)');
  });

  it('should report a YAML alias bomb as a finding with its file and line, not crash', () => {
    withTempDir((dir) => {
      writeFileSync(join(dir, 'bomb.yaml'), ALIAS_BOMB);
      const { code, out } = capture([dir]);
      assert.equal(code, 1);
      assert.match(out.join('\n'), /bomb\.yaml:2: <document 1>: \(yaml\): Excessive alias count/);
    });
  });

  it('should reject an unknown kind of the posture.dev group', () => {
    const verdict = validateObject({
      apiVersion: 'posture.dev/v1alpha1',
      kind: 'TradingBot',
      metadata: { name: 'x' },
    });
    assert.equal(verdict.status, 'invalid');
  });

  it('should suggest the field a typo meant', () => {
    const report = validateYaml(
      't.yaml',
      stringify({
        ...validTradingService(),
        spec: { ...(validTradingService()['spec'] as object), replica: 2 },
      }),
    );
    assert.match(report.findings[0]?.fix ?? '', /did you mean replicas\?/);
  });

  it('should fail when a path does not exist or holds no posture objects', () => {
    assert.equal(capture(['does/not/exist']).code, 1);
    withTempDir((dir) => {
      writeFileSync(join(dir, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
      const { code, err } = capture([dir]);
      assert.equal(code, 1);
      assert.match(err.join(''), /no posture objects found/);
    });
  });

  it('should fill defaults: hardened security context, grace period, sha256, withdraw false', () => {
    const verdict = validateObject(validTradingService());
    assert.equal(verdict.status, 'valid');
    if (verdict.status !== 'valid' || verdict.object.kind !== 'TradingService') return;
    assert.deepEqual(verdict.object.spec.securityContext, {
      runAsUser: 65532,
      runAsGroup: 65532,
      readOnlyRootFilesystem: true,
    });
  });
});

describe('null values', () => {
  it('should read a field set to null as not set, like the apiserver (defaults apply)', () => {
    const object = validTradingService();
    (object['spec'] as Record<string, unknown>)['replicas'] = null;
    const verdict = validateObject(object);
    assert.equal(verdict.status, 'valid');
    if (verdict.status === 'valid' && verdict.object.kind === 'TradingService') {
      assert.equal(verdict.object.spec.replicas, 1);
    }
  });

  it('should still require a required field set to null', () => {
    const object = validTradingService();
    (object['spec'] as Record<string, unknown>)['image'] = null;
    assert.equal(validateObject(object).status, 'invalid');
  });
});
