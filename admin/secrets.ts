/**
 * Secrets of the panel: passwords (PBKDF2-HMAC-SHA256 at OWASP's 600,000
 * iterations, WebCrypto, which runs off the main thread so a sign-in never
 * holds up a frame), random tokens, their SHA-256 for storage (tokens are
 * high-entropy, so a fast hash is enough), and one-time recovery codes.
 */
import { decodeBase64 as decode, encodeBase64Url } from "../core/secret_box.ts";

export { encodeBase64Url };

export const PBKDF2_ITERATIONS = 600_000;
/** Longer passwords are refused before hashing (hashing cost is per byte). */
export const MAX_PASSWORD = 256;
export const MIN_PASSWORD = 12;

const encoder = new TextEncoder();

async function pbkdf2(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations },
    key,
    256,
  );
  return new Uint8Array(bits);
}

/** `pbkdf2-sha256$<iterations>$<salt>$<hash>` (base64url). */
export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await pbkdf2(password, salt, PBKDF2_ITERATIONS);
  return `pbkdf2-sha256$${PBKDF2_ITERATIONS}$${encodeBase64Url(salt)}$${encodeBase64Url(hash)}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iterations, salt, hash] = stored.split("$");
  if (scheme !== "pbkdf2-sha256" || !salt || !hash) return false;
  if (password.length > MAX_PASSWORD) return false;
  const got = await pbkdf2(password, decode(salt), Number(iterations));
  return equalBytes(got, decode(hash));
}

/** Why a new password is refused, or null (NIST 800-63B: length, not composition). */
export function passwordProblem(password: string, name: string): string | null {
  if (password.length < MIN_PASSWORD) return `use at least ${MIN_PASSWORD} characters`;
  if (password.length > MAX_PASSWORD) return `use at most ${MAX_PASSWORD} characters`;
  if (password.toLowerCase().includes(name.toLowerCase())) return "do not use your name in it";
  return null;
}

/** 32 random bytes, base64url: session ids, setup tokens, CSRF tokens. */
export function randomToken(): string {
  return encodeBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

export async function sha256(text: string): Promise<string> {
  return encodeBase64Url(
    new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text))),
  );
}

/** Constant time for equal lengths. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

export function equalText(a: string, b: string): boolean {
  return equalBytes(encoder.encode(a), encoder.encode(b));
}

/** Crockford's base32: no i, l, o, u, so a code read aloud or retyped survives. */
const CODE_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/** Ten codes like `k7pd-q2xm-9hta` (60 random bits each). */
export function recoveryCodes(n = 10): string[] {
  return Array.from({ length: n }, () => {
    const bytes = crypto.getRandomValues(new Uint8Array(12));
    const chars = [...bytes].map((b) => CODE_ALPHABET[b & 31]).join("");
    return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`;
  });
}

/** A typed recovery code as stored: lower case, no spaces or dashes, o→0, i/l→1. */
export function normalRecoveryCode(text: string): string {
  return text.toLowerCase().replace(/[\s-]/g, "").replace(/o/g, "0").replace(/[il]/g, "1");
}
