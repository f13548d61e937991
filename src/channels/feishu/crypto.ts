// Feishu's event crypto. Signatures are checked here over the raw request bytes, never over a
// re-serialised object (the SDK's own check hashes JSON.stringify(body), which breaks as soon
// as key order or escaping differs). Decryption is AES-256-CBC as the SDK's AESCipher does it
// (key = SHA-256 of the Encrypt Key, IV = the first 16 bytes), but on buffers: the SDK's
// round trip through a hex string costs about half the time of the whole decryption.
import { createDecipheriv, createHash, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADERS = {
  timestamp: 'x-lark-request-timestamp',
  nonce: 'x-lark-request-nonce',
  signature: 'x-lark-signature',
} as const;

/** hex SHA-256(timestamp + nonce + encryptKey + raw body). */
export function feishuSignature(timestamp: string, nonce: string, encryptKey: string, raw: Buffer): string {
  return createHash('sha256').update(timestamp + nonce + encryptKey, 'utf8').update(raw).digest('hex');
}

/** Constant-time string comparison (lengths may leak, contents do not). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing' | 'stale' | 'mismatch' };

/** Verifies the signature headers and the replay window. `now` in milliseconds. */
export function checkSignature(
  headers: Record<string, string | string[] | undefined>,
  raw: Buffer,
  encryptKey: string,
  maxSkewSeconds: number,
  now: number,
): SignatureCheck {
  const one = (h: string) => {
    const v = headers[h];
    return Array.isArray(v) ? v[0] : v;
  };
  const timestamp = one(SIGNATURE_HEADERS.timestamp);
  const nonce = one(SIGNATURE_HEADERS.nonce);
  const signature = one(SIGNATURE_HEADERS.signature);
  if (!timestamp || nonce === undefined || !signature) return { ok: false, reason: 'missing' };
  const ts = Number(timestamp);
  // Feishu sends seconds; no replay window is documented, so we pick one (FEISHU_MAX_SKEW_SECONDS).
  if (!Number.isFinite(ts) || Math.abs(now / 1000 - ts) > maxSkewSeconds) return { ok: false, reason: 'stale' };
  const expected = feishuSignature(timestamp, nonce, encryptKey, raw);
  return safeEqual(expected, signature.toLowerCase()) ? { ok: true } : { ok: false, reason: 'mismatch' };
}

export function hasSignatureHeaders(headers: Record<string, string | string[] | undefined>): boolean {
  return headers[SIGNATURE_HEADERS.signature] !== undefined;
}

/** Decrypts an `{encrypt}` payload to its JSON text; throws on a wrong key or garbage. */
export function createDecryptor(encryptKey: string): (encrypt: string) => string {
  const key = createHash('sha256').update(encryptKey).digest();
  return (encrypt) => {
    const data = Buffer.from(encrypt, 'base64');
    if (data.length < 32 || data.length % 16 !== 0) throw new Error('ciphertext is not whole AES blocks after an IV');
    const decipher = createDecipheriv('aes-256-cbc', key, data.subarray(0, 16));
    return Buffer.concat([decipher.update(data.subarray(16)), decipher.final()]).toString('utf8');
  };
}
