/**
 * The `Encryption` and `Crypto-Key` headers of an `aesgcm` push (draft-ietf-webpush-encryption-04,
 * the pre-RFC 8291 scheme Firefox still decrypts), rewritten into the form Firefox's PushCrypto
 * decodes. Firefox reads `salt` and `dh` with base64url padding rejected, so a push whose sender
 * wrote `salt="XZwpw6o37R-6qoZjw6KwAw=="` would be delivered and never shown. autopush strips
 * quotes and padding before delivery; so do we, and we also turn standard base64 (`+`, `/`) into
 * base64url. Pure.
 */

/** Parameters whose value is base64url bytes Firefox decodes (the rest it reads as text). */
const BASE64_PARAMS = new Set(['salt', 'dh', 'p256ecdsa']);
/** Of those, the ones the user agent needs: unusable values are refused rather than delivered. */
const REQUIRED_BASE64 = new Set(['salt', 'dh']);
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const RS = /^[0-9]{1,12}$/;
/** Firefox refuses an `rs` outside 1 … 2^36 − 31. */
const MAX_RS = 68_719_476_705;

export type AesgcmParamsResult =
  { ok: true; encryption: string; cryptoKey: string } | { ok: false; message: string };

/**
 * Both headers normalised: parameter names lowercased, quotes removed, base64 values as base64url
 * without padding, `rs` a decimal integer. Entries (`,`) and parameters (`;`) keep their order, so
 * `keyid` pairing and `p256ecdsa` (the legacy VAPID key) survive. The caller checks that `salt`
 * and `dh` are present.
 */
export function normaliseAesgcmParams(encryption: string, cryptoKey: string): AesgcmParamsResult {
  const enc = normaliseHeader(encryption, 'Encryption');
  if (!enc.ok) return enc;
  const key = normaliseHeader(cryptoKey, 'Crypto-Key');
  if (!key.ok) return key;
  return { ok: true, encryption: enc.value, cryptoKey: key.value };
}

/** Standard or URL-safe base64, padded or not, quoted or not → unpadded base64url, or null. */
export function toBase64url(value: string): string | null {
  const v = value.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  // A length of 4n+1 characters is never valid base64 (it would end with 6 dangling bits).
  if (!BASE64URL.test(v) || v.length % 4 === 1) return null;
  return v;
}

type Normalised = { ok: true; value: string } | { ok: false; message: string };

function normaliseHeader(header: string, headerName: string): Normalised {
  const entries: string[] = [];
  for (const entry of header.split(',')) {
    const params: string[] = [];
    for (const part of entry.split(';')) {
      if (!part.trim()) continue;
      const eq = part.indexOf('=');
      if (eq <= 0) return invalid(`a parameter without a value in ${headerName}`);
      const name = part.slice(0, eq).trim().toLowerCase();
      const raw = part
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .trim();
      const value = normaliseValue(name, raw);
      if (value === null) {
        if (REQUIRED_BASE64.has(name) || name === 'rs') {
          return invalid(`Invalid ${name} value in ${headerName} header`);
        }
        // An unusable p256ecdsa is the VAPID gate's business (it reads the request's header).
        params.push(`${name}=${raw}`);
        continue;
      }
      params.push(`${name}=${value}`);
    }
    if (params.length) entries.push(params.join(';'));
  }
  return { ok: true, value: entries.join(',') };
}

function normaliseValue(name: string, raw: string): string | null {
  if (BASE64_PARAMS.has(name)) return toBase64url(raw);
  if (name === 'rs') {
    const rs = RS.test(raw) ? Number(raw) : 0;
    return rs >= 1 && rs <= MAX_RS ? String(rs) : null;
  }
  return raw;
}

function invalid(message: string): { ok: false; message: string } {
  return { ok: false, message };
}
