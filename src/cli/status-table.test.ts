import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatStatusTable, statusRow, type StatusObject } from './status-table.ts';
import { describeIsolation } from './status.ts';

const ts = (status?: StatusObject['status'], generation = 1): StatusObject => ({
  kind: 'TradingService',
  metadata: { name: 'brain', namespace: 'titan', generation },
  ...(status && { status }),
});

describe('posture status rows', () => {
  const cases: [string, StatusObject, Partial<ReturnType<typeof statusRow>>][] = [
    [
      'should say NotReconciled when the operator never wrote a status',
      ts(),
      { ready: 'Unknown', reason: 'NotReconciled' },
    ],
    [
      'should show Ready=True with its reason when the current generation is ready',
      ts({
        observedGeneration: 1,
        conditions: [
          { type: 'Ready', status: 'True', reason: 'Reconciled', message: 'all applied' },
        ],
      }),
      { ready: 'True', reason: 'Reconciled', message: 'all applied', conditions: 'Ready=True' },
    ],
    [
      'should show why not ready and list every condition',
      ts({
        observedGeneration: 1,
        conditions: [
          { type: 'Ready', status: 'False', reason: 'VaultUnavailable', message: 'vault down' },
          { type: 'VaultUnavailable', status: 'True' },
        ],
      }),
      {
        ready: 'False',
        reason: 'VaultUnavailable',
        conditions: 'Ready=False,VaultUnavailable=True',
      },
    ],
    [
      'should call a status of an older generation stale, not ready',
      ts({ observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True' }] }, 2),
      { ready: 'Unknown', reason: 'Stale' },
    ],
  ];
  for (const [name, object, expected] of cases) {
    it(name, () => {
      const row = statusRow(object);
      for (const [key, value] of Object.entries(expected)) {
        assert.equal(row[key as keyof typeof row], value, key);
      }
    });
  }
});

describe('posture status table', () => {
  it('should sort by kind, namespace and name and align columns', () => {
    const text = formatStatusTable([
      { kind: 'TradingService', metadata: { name: 'b', namespace: 'titan' } },
      { kind: 'ExchangeCredential', metadata: { name: 'binance', namespace: 'titan' } },
      { kind: 'TradingService', metadata: { name: 'a', namespace: 'titan' } },
    ]);
    const lines = text.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^KIND +NAMESPACE +NAME +READY +REASON +CONDITIONS +MESSAGE$/);
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(/ +/).slice(0, 3).join(' ')),
      ['ExchangeCredential titan binance', 'TradingService titan a', 'TradingService titan b'],
    );
    const nameColumn = (lines[0] ?? '').indexOf('NAME ');
    for (const line of lines.slice(1)) assert.notEqual(line[nameColumn], ' ');
  });
  it('should say so when there is nothing to show', () => {
    assert.equal(formatStatusTable([]), 'no posture resources found\n');
  });
});

describe('describeIsolation', () => {
  const since = '2026-12-01T10:00:00.000Z';
  const cases: [string, Parameters<typeof describeIsolation>, RegExp][] = [
    [
      'should say a namespace without label or status is not isolated',
      ['ns', undefined, undefined],
      /^namespace ns: not isolated\n$/,
    ],
    [
      'should say the operator has not started when only the label is there',
      ['ns', undefined, 'isolated'],
      /labelled isolated, the operator has not started/,
    ],
    [
      'should give state, who, why and the step timings',
      [
        'ns',
        {
          state: 'isolated',
          since,
          actor: 'ana',
          reason: 'falco alert',
          steps: [{ step: 'quarantine', atMs: 40 }],
        },
        'isolated',
      ],
      /ns: isolated since 2026-12-01T10:00:00.000Z by ana \(falco alert\); label posture.dev\/isolation=isolated; steps: quarantine 40 ms/,
    ],
    [
      'should show a failing step',
      ['ns', { state: 'isolating', since, steps: [], error: 'vault down' }, 'isolated'],
      /failing: vault down/,
    ],
  ];
  for (const [name, args, want] of cases)
    it(name, () => assert.match(describeIsolation(...args), want));
});
