// IPv6 literals read once, for the two places that need their groups: the rate limit's and the
// password throttle's per-/64 client key (src/lib/rate-limit.ts) and the webhook target check
// (src/webhooks/url.ts).

/** The eight 16-bit groups of an IPv6 literal (without brackets), or undefined if it is not one. */
export function v6Groups(host: string): number[] | undefined {
  const [head = "", tail, extra] = host.split("::");
  if (extra !== undefined) return undefined;
  const a = head ? head.split(":") : [];
  const b = tail ? tail.split(":") : [];
  const fill = tail === undefined ? 0 : 8 - a.length - b.length;
  const groups = [...a, ...Array(fill).fill("0"), ...b].map((g) => Number.parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : undefined;
}

/** The first 64 bits of an IPv6 address: one subscriber usually holds a whole /64. */
export function ipv6Prefix(address: string): string {
  // An IPv4 address written as IPv6 (::ffff:192.0.2.1) is that IPv4 address.
  const mapped = /^::ffff:(\d{1,3}(\.\d{1,3}){3})$/.exec(address);
  if (mapped?.[1]) return mapped[1];
  const groups = v6Groups(address);
  // Not an address Cloudflare would send: its own bucket, as written.
  if (!groups) return address;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(":")}::/64`;
}
