/**
 * HMAC signing for services (docs/adr/0043): load the ring Vault Agent rendered, sign with its
 * primary key, verify with any of its keys, each nonce once.
 */
export { formatEnvelope, parseEnvelope, type Envelope } from './envelope.ts';
export { keyFileFromEnv, type KeyFileLocation } from './env.ts';
export { generateKey, generateRing } from './keygen.ts';
export { KeyRingFile, readKeyRingFile, type KeyRingFileOptions } from './loader.ts';
export { HmacReason } from './reasons.ts';
export { parseRingFile, RING_FILE_FORMAT } from './ring-file.ts';
export { HMAC_ALGORITHMS, KeyRing, type HmacAlgorithm } from './ring.ts';
export { Signer, type Message, type SignerOptions } from './sign.ts';
export type { RingSource } from './source.ts';
export { Verifier, type Verification, type VerifierOptions } from './verify.ts';
