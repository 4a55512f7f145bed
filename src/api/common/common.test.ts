import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { cidrPrefixLength, cidrProblem } from './cidr.ts';
import { isLabelKey } from './labels.ts';
import { DURATION_PATTERN, durationSeconds } from './duration.ts';
import { SUBJECT_PATTERN } from './nats.ts';
import { subjectProblem } from '../../render/nats/model.ts';
import { duration, subject } from '../testdata/arbitraries.ts';

const isDuration = (s: string) => new RegExp(DURATION_PATTERN).test(s);
const isSubject = (s: string) => new RegExp(SUBJECT_PATTERN).test(s);

describe('durations', () => {
  const table: [string, boolean, number?][] = [
    ['24h', true, 86400],
    ['90m', true, 5400],
    ['1h30m', true, 5400],
    ['1h30m15s', true, 5415],
    ['45s', true, 45],
    ['720h', true, 2592000],
    ['30d', false],
    ['1.5h', false],
    ['30m1h', false],
    ['h', false],
    ['', false],
    ['1234567h', false],
    ['-1h', false],
  ];
  for (const [text, valid, seconds] of table) {
    it(`should ${valid ? 'accept' : 'reject'} ${JSON.stringify(text)}`, () => {
      assert.equal(isDuration(text), valid);
      if (seconds !== undefined) assert.equal(durationSeconds(text), seconds);
    });
  }

  it('should keep every generated duration inside CEL duration range (about 290 years)', () => {
    fc.assert(
      fc.property(duration, (d) => isDuration(d) && durationSeconds(d) < 290 * 365 * 86400),
    );
  });
});

describe('CIDRs', () => {
  const table: [string, string | undefined][] = [
    ['10.0.0.0/8', undefined],
    ['203.0.113.7/32', undefined],
    ['2001:db8::/32', undefined],
    ['0.0.0.0/0', undefined],
    ['10.0.0.0', 'use address/prefix'],
    ['10.0.0.0/33', 'at most 32'],
    ['2001:db8::/129', 'at most 128'],
    ['10.0.0.0/08', 'prefix length'],
    ['010.0.0.0/8', 'not an IPv4'],
    ['fe80::1%eth0/64', 'not an IPv4'],
    ['::ffff:1.2.3.4/128', 'not an IPv4'],
    ['a/b/c', 'use address/prefix'],
  ];
  for (const [text, problem] of table) {
    it(`should ${problem === undefined ? 'accept' : 'reject'} ${text}`, () => {
      const found = cidrProblem(text);
      if (problem === undefined) assert.equal(found, undefined);
      else assert.match(found ?? '', new RegExp(problem));
    });
  }

  it('should read the prefix length', () => assert.equal(cidrPrefixLength('::/0'), 0));
});

describe('NATS subjects', () => {
  const table: [string, boolean][] = [
    ['titan.cmd.>', true],
    ['titan.*.brain', true],
    ['>', true],
    ['$JS.API.>', true],
    ['_INBOX.>', true],
    ['titan..cmd', false],
    ['titan.>.cmd', false],
    ['titan.cmd.', false],
    ['titan cmd', false],
    ['titan.c*d', false],
    ['', false],
  ];
  for (const [text, valid] of table) {
    it(`should ${valid ? 'accept' : 'reject'} ${JSON.stringify(text)}`, () =>
      assert.equal(isSubject(text), valid));
  }

  it('should accept only subjects that the NATS config renderer accepts too', () => {
    fc.assert(fc.property(subject, (s) => isSubject(s) && subjectProblem(s) === undefined));
  });
});

describe('label keys', () => {
  const table: [string, boolean][] = [
    ['app', true],
    ['app.kubernetes.io/name', true],
    ['k8s-app', true],
    ['Tier_1.x', true],
    [`a/${'b'.repeat(63)}`, true],
    [`${'a'.repeat(253)}/app`, true],
    [`${'a'.repeat(254)}/app`, false],
    [`a/${'b'.repeat(64)}`, false],
    ['', false],
    ['k8s:io.kubernetes.pod.namespace', false],
    ['app name', false],
    ['Example.com/app', false],
    ['a/b/c', false],
    ['-app', false],
    ['app-', false],
  ];
  for (const [key, valid] of table) {
    it(`should ${valid ? 'accept' : 'reject'} ${JSON.stringify(key.length > 40 ? `${key.slice(0, 12)}…(${key.length})` : key)}`, () =>
      assert.equal(isLabelKey(key), valid));
  }
});
