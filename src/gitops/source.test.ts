import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { readPlatformDir } from './source.ts';
import { synthesize } from './synth.ts';
import { scratchDir } from '../lib/testing/scratch.ts';

/** A copy of examples/titan whose platform.yaml is replaced by `text` (or changed by it). */
function titanWith(platform: (original: string) => string, extra: [string, string][] = []) {
  const dir = scratchDir('posture-source-');
  cpSync('examples/titan', dir, { recursive: true });
  const file = join(dir, 'platform.yaml');
  writeFileSync(file, platform(readFileSync(file, 'utf8')));
  for (const [name, text] of extra) writeFileSync(join(dir, name), text);
  return dir;
}

/** The Titan settings as the bare map platform.yaml was before the PosturePlatform kind. */
const bare = (original: string) =>
  stringify((parse(original) as { spec: unknown }).spec, { lineWidth: 0 });

const problemsOf = (dir: string) =>
  readPlatformDir(dir).problems.map((p) => `${p.file}: ${p.path}: ${p.message}`);

describe('reading the platform settings of a folder', () => {
  it('reads the settings from the PosturePlatform object in platform.yaml', () => {
    const source = readPlatformDir('examples/titan');
    assert.deepEqual(source.problems, []);
    assert.deepEqual(source.warnings, []);
    assert.equal(source.platformFile, 'examples/titan/platform.yaml');
    assert.deepEqual(source.platform.egressGateway.ips, ['203.0.113.10', '203.0.113.11']);
    assert.deepEqual(source.platform.devtron?.vpnCidrs, ['10.8.0.0/16', '198.51.100.0/24']);
  });

  it('renders a bare settings map exactly like the object, with a warning that says how to convert', () => {
    const source = readPlatformDir(titanWith(bare));
    assert.deepEqual(source.problems, []);
    assert.equal(source.warnings.length, 1);
    assert.match(source.warnings[0]!.message, /make it a PosturePlatform .*settings indented under spec/);
    const fromObject = synthesize(readPlatformDir('examples/titan')).files;
    assert.deepEqual(synthesize(source).files, fromObject);
  });

  it('finds the PosturePlatform in any file of the folder', () => {
    const dir = titanWith(() => '', [['settings.yaml', readFileSync('examples/titan/platform.yaml', 'utf8')]]);
    const source = readPlatformDir(dir);
    assert.deepEqual(source.problems, []);
    assert.equal(source.platformFile, join(dir, 'settings.yaml'));
  });

  const refusals: [string, (original: string) => string, [string, string][], RegExp][] = [
    [
      'refuses a PosturePlatform named other than posture, saying which name to use',
      (t) => t.replace('  name: posture', '  name: titan'),
      [],
      /platform\.yaml: metadata\.name: a PosturePlatform must be named posture.*fix: set metadata\.name: posture/,
    ],
    [
      'refuses a second PosturePlatform, naming the first',
      (t) => t,
      [['more.yaml', readFileSync('examples/titan/platform.yaml', 'utf8')]],
      /metadata\.name: a second PosturePlatform \(the first is in .*\.yaml\): .*merge them into one object named posture/,
    ],
    [
      'names the spec field of an invalid setting',
      (t) => t.replace('- 10.8.0.0/16', '- 0.0.0.0/0'),
      [],
      /platform\.yaml: spec\.devtron\.vpnCidrs\[0\]: an open range/,
    ],
    [
      'names the field of an invalid setting in a bare map',
      (t) => bare(t).replace('198.51.100.0/24', '198.51.100.0/33'),
      [],
      /platform\.yaml: devtron\.vpnCidrs\[1\]: invalid CIDR: prefix length must be at most 32/,
    ],
    [
      'refuses an egress gateway IP with a prefix',
      (t) => t.replace('- 203.0.113.10', '- 203.0.113.10/32'),
      [],
      /spec\.egressGateway\.ips\[0\]: invalid IP address/,
    ],
  ];
  for (const [name, change, extra, expected] of refusals) {
    it(name, () => {
      const problems = problemsOf(titanWith(change, extra));
      assert.ok(problems.some((p) => expected.test(p)), problems.join('\n'));
    });
  }
});
