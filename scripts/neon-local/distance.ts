// The local endpoint's injected network distance (issue 24 §5): its settings from the environment
// and the seeded generator its jitter is drawn from (server.ts applies them per round trip).

/**
 * The injected distance from the environment (`npm run dev` and anything else that starts the
 * endpoint): NEON_LOCAL_RTT_MS, NEON_LOCAL_JITTER_MS, NEON_LOCAL_SEED. Unset: none.
 */
export function distanceFromEnv(env: Record<string, string | undefined> = process.env) {
  const ms = (name: string, fallback: number) => {
    const v = Number(env[name] ?? fallback);
    if (!Number.isFinite(v) || v < 0 || v > 10_000) throw new Error(`${name} must be 0–10000 (ms)`);
    return v;
  };
  return { rttMs: ms("NEON_LOCAL_RTT_MS", 0), jitterMs: ms("NEON_LOCAL_JITTER_MS", 0), seed: ms("NEON_LOCAL_SEED", 1) };
}

/** mulberry32: a small seeded generator, so injected jitter repeats from run to run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
