import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { creationRuleFor } from './config.ts';

const A = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';
const B = 'age1lggyhqrw2nlhcxprm67z43rta597azn8gknawjehu9d9dl0jq3yqqvfafg';

const CONFIG = `creation_rules:
  - path_regex: ^prod/.*\\.yaml$
    encrypted_regex: ^(data|stringData)$
    age: ${A}, ${B}
  - path_regex: \\.values\\.yaml$
    age: [${B}]
  - age: ${A}
`;

describe('.sops.yaml creation rules', () => {
  const cases: { name: string; file: string; recipients: string[]; encryptedRegex?: string }[] = [
    {
      name: 'the first rule whose path_regex matches the relative path wins',
      file: '/repo/prod/db.yaml',
      recipients: [A, B],
      encryptedRegex: '^(data|stringData)$',
    },
    {
      name: 'a list of age recipients is read as a list',
      file: '/repo/app.values.yaml',
      recipients: [B],
    },
    {
      name: 'a rule without path_regex matches everything else',
      file: '/repo/staging/db.yaml',
      recipients: [A],
    },
    {
      name: 'path_regex sees the path relative to the folder of .sops.yaml',
      file: '/repo/sub/prod/db.yaml',
      recipients: [A],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const rule = creationRuleFor(CONFIG, '/repo/.sops.yaml', c.file);
      assert.deepEqual(rule.recipients, c.recipients);
      assert.equal(rule.rule.encryptedRegex, c.encryptedRegex);
    });
  }

  const refusals: { name: string; config: string; error: RegExp }[] = [
    {
      name: 'no matching rule says to add one',
      config: 'creation_rules:\n  - path_regex: ^x$\n    age: a\n',
      error: /no creation_rules entry matches db\.yaml: add one/,
    },
    {
      name: 'a rule without age recipients names the field',
      config: 'creation_rules:\n  - path_regex: db\n',
      error: /creation_rules\[0\]\.age: no age recipients/,
    },
    {
      name: 'two value selectors are refused as sops refuses them',
      config: `creation_rules:\n  - age: ${A}\n    encrypted_regex: a\n    unencrypted_suffix: b\n`,
      error: /use only one of/,
    },
    {
      name: 'key groups are refused rather than half applied',
      config: `creation_rules:\n  - key_groups: []\n    age: ${A}\n`,
      error: /key_groups .* not supported/,
    },
  ];
  for (const c of refusals) {
    it(c.name, () =>
      assert.throws(() => creationRuleFor(c.config, '/repo/.sops.yaml', '/repo/db.yaml'), c.error),
    );
  }
});
