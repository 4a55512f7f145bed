import { isLiteral, perFile, type Hit } from '../rule.ts';
import type { Source } from '../sources.ts';
import { entries, get, maps, text, type YamlDoc } from '../yaml-nav.ts';
import { containers } from './env.ts';
import { isDigest, pinnedImage, unpinnedMessage } from './images.ts';

function imageHit(doc: YamlDoc, node: unknown): Hit[] {
  const image = text(node);
  // An interpolated reference (${IMAGE}) is only known when it is filled in.
  if (image === undefined || !isLiteral(image) || pinnedImage(image)) return [];
  return [{ place: doc.at(node), message: unpinnedMessage(image) }];
}

/** Kubernetes manifests: every container of every pod spec, wherever the kind nests it. */
const manifestHits = (doc: YamlDoc): Hit[] =>
  containers(doc).flatMap((container) => imageHit(doc, get(container, 'image')));

/** Compose: each service's image (a service that only builds has none). */
const composeHits = (doc: YamlDoc): Hit[] =>
  entries(get(doc.root, 'services')).flatMap(([, , service]) =>
    imageHit(doc, get(service, 'image')),
  );

// Helm values: an image is a map with `repository` (and `tag`/`digest`), or an `image:` string.
// A map whose `digest` is present but empty and that has no `tag` is pinned by its schema (the
// chart refuses to render without a digest), so it passes; a tag without a digest does not.
function valuesImageHit(doc: YamlDoc, map: unknown): Hit[] {
  const digestNode = get(map, 'digest');
  const digest = text(digestNode) ?? '';
  if (digest !== '' && isDigest(digest)) return [];
  const tagged = get(map, 'tag') !== undefined;
  if (digestNode !== undefined && digest === '' && !tagged) return [];
  const name = `${text(get(map, 'repository'))}${tagged ? `:${text(get(map, 'tag'))}` : ''}`;
  return [{ place: doc.at(digestNode ?? map), message: unpinnedMessage(name) }];
}

const helmHits = (doc: YamlDoc): Hit[] =>
  maps(doc.root).flatMap((map) => [
    ...(text(get(map, 'repository')) !== undefined ? valuesImageHit(doc, map) : []),
    ...imageHit(doc, get(map, 'image')),
  ]);

function hits(source: Source): Hit[] {
  if (source.kind !== 'yaml') return [];
  const per = { yaml: manifestHits, compose: composeHits, 'helm-values': helmHits }[source.role];
  return source.yaml.docs.flatMap(per);
}

export const imageNotPinned = perFile(
  {
    id: 'image-not-pinned',
    severity: 'high',
    summary:
      'container image not pinned by digest (Kubernetes manifest, compose file, Helm values)',
    fix: 'reference the image by digest: name:tag@sha256:<digest> (for Helm values, a digest field the chart requires)',
  },
  hits,
);
