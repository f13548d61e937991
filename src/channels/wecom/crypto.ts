// WeCom callback security: SHA-1 signature over [token, timestamp, nonce, encrypt], AES-256-CBC
// with 32-byte PKCS#7 blocks (`@wecom/crypto`), and the receive id inside the plaintext, which
// must be our corp id.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { decrypt, encrypt, getSignature } from '@wecom/crypto';

export class CallbackRejected extends Error {
  constructor(
    readonly status: 400 | 401 | 403,
    message: string,
  ) {
    super(message);
    this.name = 'CallbackRejected';
  }
}

export interface CryptoKeys {
  token: string;
  encodingAESKey: string;
  corpId: string;
}

const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;
const HEX40_RE = /^[0-9a-f]{40}$/i;

export function signatureMatches(keys: CryptoKeys, p: { signature: string; timestamp: string; nonce: string; encrypt: string }): boolean {
  if (!HEX40_RE.test(p.signature)) return false;
  const expected = getSignature(keys.token, p.timestamp, p.nonce, p.encrypt);
  return timingSafeEqual(Buffer.from(expected, 'latin1'), Buffer.from(p.signature.toLowerCase(), 'latin1'));
}

/** Verifies the signature, decrypts, and checks the receive id; throws CallbackRejected otherwise. */
export function openEnvelope(keys: CryptoKeys, p: { signature: string; timestamp: string; nonce: string; encrypt: string }): string {
  if (!p.encrypt || p.encrypt.length % 4 !== 0 || !BASE64_RE.test(p.encrypt)) throw new CallbackRejected(400, 'Encrypt is not base64');
  if (!signatureMatches(keys, p)) throw new CallbackRejected(401, 'signature mismatch');
  const raw = Buffer.from(p.encrypt, 'base64');
  // AES-CBC output is whole 16-byte blocks, and the plaintext holds at least random(16)+length(4).
  if (raw.length < 32 || raw.length % 16 !== 0) throw new CallbackRejected(400, 'ciphertext has a bad length');
  let opened: { message: string; id: string };
  try {
    opened = decrypt(keys.encodingAESKey, p.encrypt);
  } catch (err) {
    throw new CallbackRejected(400, `cannot decrypt: ${(err as Error).message}`);
  }
  if (opened.id !== keys.corpId) throw new CallbackRejected(403, `receive id ${JSON.stringify(opened.id.slice(0, 64))} is not our corp id`);
  return opened.message;
}

/** Encrypts and signs a passive reply (plaintext XML) for the envelope. */
export function sealReply(keys: CryptoKeys, plaintext: string, now = new Date()): { encrypt: string; signature: string; timestamp: string; nonce: string } {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const nonce = randomBytes(8).toString('hex');
  const sealed = encrypt(keys.encodingAESKey, plaintext, keys.corpId);
  return { encrypt: sealed, signature: getSignature(keys.token, timestamp, nonce, sealed), timestamp, nonce };
}
