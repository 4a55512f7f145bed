import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const root = join(import.meta.dirname, '../..');

interface Stage {
  from: string;
  name?: string;
  lines: string[];
}

/**
 * The Dockerfile's stages, `${ARG}` in FROM replaced by the ARG's default (continuation lines
 * joined, comments dropped). No Docker engine here: these are its invariants, not a build.
 */
function stagesOf(text: string): Stage[] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines) {
    const arg = /^ARG (\w+)=(\S+)$/.exec(line);
    if (arg && stages.length === 0) args[arg[1]!] = arg[2]!;
    const from = /^FROM (\S+)(?: AS (\S+))?$/i.exec(line);
    if (from) {
      const image = from[1]!.replace(/\$\{(\w+)\}/g, (_, name: string) => args[name] ?? '');
      stages.push({ from: image, ...(from[2] && { name: from[2] }), lines: [] });
    } else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

describe('Dockerfile (the operator image)', () => {
  const stages = stagesOf(readFileSync(join(root, 'Dockerfile'), 'utf8'));
  const final = stages.at(-1)!;
  const names = new Set(stages.map((s) => s.name));

  it('should pin every base image by sha256 digest (through ARG NODE_IMAGE), Node 24', () => {
    assert.ok(stages.length >= 2, 'a multi-stage build');
    for (const stage of stages) {
      if (names.has(stage.from)) continue;
      assert.match(stage.from, /^[^@\s]+@sha256:[a-f0-9]{64}$/, `FROM ${stage.from}`);
      assert.match(stage.from, /^(docker\.io\/library\/)?node:24[.-]/, `FROM ${stage.from}`);
    }
  });

  it('should build with npm ci and npm run build, and ship production node_modules only', () => {
    const runs = stages.flatMap((s) => s.lines).filter((l) => l.startsWith('RUN '));
    assert.ok(runs.some((l) => /\bnpm ci\b/.test(l) && !l.includes('--omit=dev')));
    assert.ok(runs.includes('RUN npm run build'));
    const copies = final.lines.filter((l) => l.startsWith('COPY --from='));
    const modules = copies.find((l) => / \S*node_modules \S+$/.test(l));
    const source = stages.find((s) => s.name === /--from=(\S+)/.exec(modules ?? '')?.[1]);
    assert.ok(source, 'node_modules copied from a stage');
    assert.ok(
      source.lines.some((l) => /^RUN npm ci .*--omit=dev/.test(l)),
      'npm ci --omit=dev',
    );
    assert.ok(
      copies.some((l) => / \S*dist \S+$/.test(l)),
      'dist/ copied',
    );
  });

  it('should run as a numeric non-root user, the one the chart runs it as', () => {
    const users = final.lines.filter((l) => l.startsWith('USER '));
    assert.equal(users.length, 1);
    const uid = /^USER (\d+)(?::(\d+))?$/.exec(users[0]!);
    assert.ok(uid, `${users[0]}: numeric, so runAsNonRoot can check it`);
    assert.notEqual(Number(uid[1]), 0);
    const deployment = readFileSync(join(root, 'charts/posture/templates/deployment.yaml'), 'utf8');
    assert.match(deployment, new RegExp(`runAsUser: ${uid[1]}\\b`));
    // Nothing after USER switches back.
    const after = final.lines.slice(final.lines.indexOf(users[0]!) + 1);
    assert.ok(
      after.every((l) => !l.startsWith('RUN ')),
      'no RUN after USER',
    );
  });

  it('should have no npm in the final stage: removed, never run', () => {
    const runs = final.lines.filter((l) => l.startsWith('RUN '));
    assert.ok(
      runs.every((l) => !/\b(npm|npx) (ci|install|run|exec)\b/.test(l)),
      runs.join('\n'),
    );
    const removal = runs.find((l) => l.includes('rm -rf'));
    for (const path of ['/usr/local/lib/node_modules', '/usr/local/bin/npm', '/usr/local/bin/npx'])
      assert.ok(removal?.includes(path), `${path} removed`);
    const entrypoint = final.lines.find((l) => l.startsWith('ENTRYPOINT '));
    assert.equal(entrypoint, 'ENTRYPOINT ["node", "/app/dist/cli/main.js"]');
  });

  it('should keep node_modules and dist out of the build context', () => {
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
    assert.ok(ignored.includes('node_modules'));
    assert.ok(ignored.some((l) => l.startsWith('dist')));
  });
});
