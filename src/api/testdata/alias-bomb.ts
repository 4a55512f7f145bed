/** Nine-fold aliases, seven levels deep: the yaml library's guard refuses to expand it. */
export const ALIAS_BOMB = [
  '# a TradingService whose fields expand to 9^7 values',
  'a: &a [x, x, x, x, x, x, x, x, x]',
  ...['b', 'c', 'd', 'e', 'f', 'g'].map(
    (name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdef'[i]}`).join(', ')}]`,
  ),
  'apiVersion: posture.dev/v1alpha1',
  'kind: TradingService',
].join('\n');
