/**
 * Secrets at rest: AES-256-GCM through WebCrypto with a key from the environment.
 * A sealed value is `enc:v1:<key id>:<base64url(iv | ciphertext | tag)>`: a fresh
 * random 96-bit IV each time, and the caller's `context` (e.g. the table, column
 * and row) as additional data, so a sealed value copied to another row does not
 * open. The key id (the first 8 hex digits of the key's SHA-256, not secret) says
 * which key sealed a value: a wrong key is an error naming both ids, never garbage,
 * and rotation knows what to re-seal. Previous keys open values; only the current
 * one seals. `mac` gives a keyed lookup value (HMAC-SHA256 under a key derived from
 * the current one by HKDF, one a purpose), so a table can find a row by a personal
 * value without storing it: the same text gives the same mac under one key, and
 * nothing about the text without the key. It changes with the key (rotation re-keys).
 */

export const SEALED_PREFIX = "enc:v1:";

/** A key that is not one, a value sealed with a key not given, or a value altered. */
export class SecretBoxError extends Error {
  override name = "SecretBoxError";
}

export interface SecretBox {
  /** The current key's id. */
  readonly keyId: string;
  seal(plain: string, context: string): Promise<string>;
  open(stored: string, context: string): Promise<string>;
  /** The id of the key that sealed `stored`, or null when it is not sealed (plain text). */
  sealedWith(stored: string): string | null;
  /** HMAC-SHA256 of `text` (base64url) under the current key, derived for `purpose`. */
  mac(text: string, purpose: string): Promise<string>;
  /** The same under each previous key (to find rows a rotation has not re-keyed yet). */
  previousMacs(text: string, purpose: string): Promise<string[]>;
}

/** Base64url without padding. */
export function encodeBase64Url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Base64 or base64url, padded or not. */
export function decodeBase64(text: string): Uint8Array {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** A new key as the environment takes it (base64 of 32 random bytes). */
export function newSecretKey(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
}

/** 32 bytes from base64 text; the error names `name` (the variable) and never the value. */
export function parseSecretKey(text: string, name: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text.trim())) throw new Error();
    bytes = decodeBase64(text.trim());
  } catch {
    throw new SecretBoxError(`${name} is not base64 (make one with: openssl rand -base64 32)`);
  }
  if (bytes.length !== 32) {
    throw new SecretBoxError(
      `${name} must be 32 bytes of base64 (openssl rand -base64 32); it is ${bytes.length} bytes`,
    );
  }
  return bytes;
}

const encoder = new TextEncoder();

async function keyOf(bytes: Uint8Array) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  const id = [...digest.slice(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const key = await crypto.subtle.importKey("raw", bytes as BufferSource, "AES-GCM", false, [
    "encrypt",
    "decrypt",
  ]);
  const base = await crypto.subtle.importKey("raw", bytes as BufferSource, "HKDF", false, [
    "deriveKey",
  ]);
  const macKeys = new Map<string, Promise<CryptoKey>>();
  const macKey = (purpose: string) => {
    let k = macKeys.get(purpose);
    if (!k) {
      k = crypto.subtle.deriveKey(
        {
          name: "HKDF",
          hash: "SHA-256",
          salt: new Uint8Array(0),
          info: encoder.encode(`sothebais mac ${purpose}`),
        },
        base,
        { name: "HMAC", hash: "SHA-256", length: 256 },
        false,
        ["sign"],
      );
      macKeys.set(purpose, k);
    }
    return k;
  };
  const mac = async (text: string, purpose: string) =>
    encodeBase64Url(
      new Uint8Array(
        await crypto.subtle.sign("HMAC", await macKey(purpose), encoder.encode(text)),
      ),
    );
  return { id, key, mac };
}

/** The box for `current` (and `previous` keys, which only open). Keys as `parseSecretKey` gives them. */
export async function secretBox(
  current: Uint8Array,
  previous: Uint8Array[] = [],
): Promise<SecretBox> {
  const now = await keyOf(current);
  const older = (await Promise.all(previous.map(keyOf))).filter((k) => k.id !== now.id);
  const keys = new Map([now, ...older].map((k) => [k.id, k.key]));
  const sealedWith = (stored: string) => {
    if (!stored.startsWith(SEALED_PREFIX)) return null;
    return stored.slice(SEALED_PREFIX.length).split(":")[0] ?? "";
  };
  return {
    keyId: now.id,
    sealedWith,
    mac: (text, purpose) => now.mac(text, purpose),
    previousMacs: (text, purpose) => Promise.all(older.map((k) => k.mac(text, purpose))),
    async seal(plain, context) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const sealed = new Uint8Array(
        await crypto.subtle.encrypt(
          { name: "AES-GCM", iv, additionalData: encoder.encode(context) },
          now.key,
          encoder.encode(plain),
        ),
      );
      const out = new Uint8Array(iv.length + sealed.length);
      out.set(iv);
      out.set(sealed, iv.length);
      return `${SEALED_PREFIX}${now.id}:${encodeBase64Url(out)}`;
    },
    async open(stored, context) {
      const id = sealedWith(stored);
      if (id === null) throw new SecretBoxError(`${context}: not sealed`);
      const key = keys.get(id);
      if (!key) {
        throw new SecretBoxError(
          `${context} was sealed with key ${id}, and the key given is ${now.id}` +
            (previous.length ? ` (previous: ${[...keys.keys()].slice(1).join(", ")})` : "") +
            ": set the key it was sealed with, or list it among the previous keys",
        );
      }
      try {
        const bytes = decodeBase64(stored.slice(SEALED_PREFIX.length + id.length + 1));
        const plain = await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: bytes.slice(0, 12), additionalData: encoder.encode(context) },
          key,
          bytes.slice(12),
        );
        return new TextDecoder().decode(plain);
      } catch {
        throw new SecretBoxError(`${context}: the sealed value does not open (altered or moved)`);
      }
    },
  };
}
