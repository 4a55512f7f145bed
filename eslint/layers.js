// The layers of src/ (docs/ARCHITECTURE.md, docs/adr/0042-layers.md) as a lint rule: a module may
// import its own top-level folder and the folders listed for it, nothing else, so no folder
// cycle can come back. Specifiers are resolved against the importing file, so `./nats/config.ts`
// inside src/render is render, not the NATS adapter.
import { dirname, relative, resolve, sep } from 'node:path';

/** Top-level folder of src/ → the folders it may import (besides itself). */
export const LAYERS = {
  lib: [],
  imports: [],
  api: ['lib'],
  render: ['api', 'lib', 'imports'],
  vault: ['lib'],
  exchanges: ['api', 'lib'],
  operator: ['lib'],
  nats: ['operator', 'render', 'api', 'lib'],
  controllers: ['api', 'render', 'operator', 'vault', 'exchanges', 'nats', 'lib'],
  gitops: ['api', 'render', 'lib'],
  testenv: ['lib'],
  hmac: ['lib'],
  provenance: ['hmac', 'lib'],
  webhook: ['hmac', 'lib'],
  sops: ['lib'],
  audit: ['lib'],
  github: ['lib'],
  promote: ['github', 'lib'],
  cli: ['*'],
};

function placeOf(root, file) {
  const parts = relative(root, file).split(sep);
  return parts[0] === 'src' ? parts.slice(1) : undefined;
}

/** Undefined when allowed, else why not. */
export function refusal(from, to) {
  const [layer, kind] = from;
  const [target, targetKind] = to;
  const allowed = LAYERS[layer];
  if (!allowed) return `src/${layer} is not a known layer: add it to eslint/layers.js`;
  if (target === layer) {
    // Controllers share only the kit: a kind never reaches into another kind's folder.
    const crossKind =
      layer === 'controllers' && targetKind !== kind && targetKind !== 'kit' && to.length > 2;
    return crossKind
      ? `src/controllers/${kind} may import only controllers/kit and itself`
      : undefined;
  }
  if (allowed.includes('*') || allowed.includes(target)) return undefined;
  return `src/${layer} may not import src/${target} (allowed: ${allowed.join(', ') || 'nothing outside itself'})`;
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'keeps the imports of src/ inside the layer table of eslint/layers.js' },
    schema: [],
  },
  create(context) {
    const root = context.cwd;
    const from = placeOf(root, context.filename);
    if (!from || from.length < 2) return {};
    const check = (node) => {
      const spec = node.source?.value;
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const to = placeOf(root, resolve(dirname(context.filename), spec));
      if (!to) return;
      const why = refusal(from, to);
      if (why) context.report({ node: node.source, message: `${why}: ${spec}` });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

export default { rules: { layers: rule } };
