import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSource } from '../sources.ts';
import { dockerfileFromNotPinned, substitute } from './dockerfile-from-not-pinned.ts';

const D = `sha256:${'0f'.repeat(32)}`;

const lines = (text: string): number[] =>
  dockerfileFromNotPinned
    .check([parseSource('Dockerfile', 'dockerfile', text)])
    .map((finding) => finding.line);

describe('Dockerfile FROM pinning', () => {
  const substitutions: Array<[string, Record<string, string>, string]> = [
    ['${A}', { A: 'x' }, 'x'],
    ['$A:1', { A: 'x' }, 'x:1'],
    ['${A:-node:24}', {}, 'node:24'],
    ['${A:-node:24}', { A: 'y' }, 'y'],
    ['${A:+set}', { A: 'y' }, 'set'],
    ['${A:+set}', {}, ''],
    ['${MISSING}', {}, ''],
  ];
  for (const [image, args, expected] of substitutions) {
    it(`expands ${image} with ${JSON.stringify(args)} to "${expected}"`, () =>
      assert.equal(substitute(image, new Map(Object.entries(args))), expected));
  }

  const files: Array<[string, string, number[]]> = [
    [
      'finds an unpinned FROM after a line continuation',
      `FROM node:24@${D} AS a\nRUN echo \\\n  FROM x\nFROM alpine\n`,
      [4],
    ],
    [
      'follows the escape directive for continuations',
      `# escape=\`\nFROM node:24@${D}\nRUN echo \`\n  FROM x\nFROM alpine\n`,
      [5],
    ],
    [
      'reads FROM with --platform',
      `FROM --platform=$BUILDPLATFORM golang:1.26@${D} AS b\nFROM --platform=linux/arm64 busybox\n`,
      [2],
    ],
    [
      'takes an ARG after the first FROM as no default for a later FROM',
      `FROM scratch\nARG LATE=alpine@${D}\nFROM \${LATE:-alpine}\n`,
      [3],
    ],
    ['accepts a stage name in any case', `FROM node:24@${D} AS Build\nFROM build\n`, []],
    [
      'finds a stage name used before it is defined',
      `FROM later\nFROM node:24@${D} AS later\n`,
      [1],
    ],
  ];
  for (const [name, text, expected] of files) {
    it(name, () => assert.deepEqual(lines(text), expected));
  }
});
