import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ageIdentities } from './keys.ts';

const K1 = 'AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ';
const K2 = 'AGE-SECRET-KEY-1PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP';

describe('age identities from the environment', () => {
  const files: Record<string, string> = {
    '/keys.txt': `# created: today\n# public key: age1...\n${K1}\n\n`,
  };
  const read = (file: string): string => files[file] ?? '';
  const cases: { name: string; env: Record<string, string>; identities: string[] }[] = [
    {
      name: 'a key file keeps its key lines and drops comments',
      env: { SOPS_AGE_KEY_FILE: '/keys.txt' },
      identities: [K1],
    },
    { name: 'SOPS_AGE_KEY may hold the key itself', env: { SOPS_AGE_KEY: K2 }, identities: [K2] },
    {
      name: 'both sources add up, the file first',
      env: { SOPS_AGE_KEY_FILE: '/keys.txt', SOPS_AGE_KEY: K2 },
      identities: [K1, K2],
    },
  ];
  for (const c of cases)
    it(c.name, () => assert.deepEqual(ageIdentities(c.env, read), c.identities));
  it('no identity at all says which variables to set', () => {
    assert.throws(() => ageIdentities({}, read), /set SOPS_AGE_KEY_FILE .* or SOPS_AGE_KEY/);
  });
});
