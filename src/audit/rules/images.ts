/** Image references: pinned means an `@sha256:` digest, whatever tag stands beside it. */
const DIGEST = /@sha256:[0-9a-f]{64}$/;
const BARE_DIGEST = /^sha256:[0-9a-f]{64}$/;

export const pinnedImage = (image: string): boolean => DIGEST.test(image);

export const isDigest = (value: string): boolean => BARE_DIGEST.test(value);

export const unpinnedMessage = (image: string): string =>
  `image ${image} is not pinned by digest: the tag can be moved to other content`;
