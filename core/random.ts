/**
 * A seeded generator (mulberry32: small, fast), for what must repeat exactly
 * from run to run — rehearsals, the simulated crowd, the scripted host. Not for
 * anything secret: use `crypto.getRandomValues` there.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
