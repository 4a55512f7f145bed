import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from './log.ts';

function capture(): {
  lines: Record<string, unknown>[];
  destination: { write(line: string): void };
} {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    destination: {
      write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>),
    },
  };
}

describe('logger', () => {
  const cases = [
    { name: 'a token at the top level', fields: { token: 'hvs.abc' }, path: ['token'] },
    { name: 'a seed one level deep', fields: { nkey: { seed: 'SUAB' } }, path: ['nkey', 'seed'] },
    {
      name: 'a password two levels deep',
      fields: { a: { b: { password: 'p' } } },
      path: ['a', 'b', 'password'],
    },
    {
      name: 'an authorization header',
      fields: { req: { headers: { authorization: 'Bearer x' } } },
      path: ['req', 'headers', 'authorization'],
    },
    {
      name: 'a Vault token header',
      fields: { headers: { 'x-vault-token': 's.x' } },
      path: ['headers', 'x-vault-token'],
    },
  ];
  for (const { name, fields, path } of cases) {
    it(`should mask ${name}`, () => {
      const { lines, destination } = capture();
      createLogger({ destination }).info(fields, 'constant message');
      let value: unknown = lines[0];
      for (const part of path) value = (value as Record<string, unknown>)[part];
      assert.equal(value, '[MASKED]');
      assert.equal(lines[0]?.msg, 'constant message');
    });
  }
  it('should keep the queue key and ordinary fields', () => {
    const { lines, destination } = capture();
    createLogger({ destination, bindings: { controller: 'tradingservice' } }).info(
      { key: 'prod/brain' },
      'reconciled',
    );
    assert.equal(lines[0]?.key, 'prod/brain');
    assert.equal(lines[0]?.controller, 'tradingservice');
  });
});
