import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { confPairs } from './natsconf.ts';

const pairs = (text: string): string[] =>
  confPairs(text).map(
    (p) => `${p.line}:${p.column} ${p.key}=${p.value}${p.variable ? ' (var)' : ''}`,
  );

describe('nats.conf reader', () => {
  const cases: Array<[string, string, string[]]> = [
    [
      'reads key = value, key: value and key value',
      'a = 1\nb: two\nc three\n',
      ['1:5 a=1', '2:4 b=two', '3:3 c=three'],
    ],
    [
      'reads nested maps and arrays of maps with their places',
      'authorization {\n  users = [\n    {user: a, password: "p w"}\n  ]\n}\n',
      ['3:12 user=a', '3:25 password=p w'],
    ],
    [
      'takes a bare $NAME as a variable and a quoted one as text',
      'p: $PASS\nq: "$PASS"\n',
      ['1:4 p=$PASS (var)', '2:4 q=$PASS'],
    ],
    [
      'skips # and // comments, also after a value',
      '# c\n// d\nx: 1 # e\ny: 2 // f\n',
      ['3:4 x=1', '4:4 y=2'],
    ],
    [
      'ends a bare value at ; , } or ]',
      'm {a: 1; b: 2, c: 3}\n',
      ['1:7 a=1', '1:13 b=2', '1:19 c=3'],
    ],
    [
      'keeps colons inside bare values (URLs)',
      'listen: 0.0.0.0:4222\n',
      ['1:9 listen=0.0.0.0:4222'],
    ],
    ['reads quoted keys and single-quoted values', `"pass": 'x'\n`, ['1:9 pass=x']],
    ['ignores scalar items of arrays', 'routes = [nats://a:6222, nats://b:6222]\n', []],
  ];
  for (const [name, text, expected] of cases) {
    it(name, () => assert.deepEqual(pairs(text), expected));
  }
});
