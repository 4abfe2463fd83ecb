// Where deliveries may go: https to a public host, never with credentials in the URL. Loopback
// receivers (http or https) only where the setting allows them (`npm run dev` and the tests do;
// production does not). The checks read the URL as the WHATWG parser (and so fetch) reads it:
// `0x7f000001`, `2130706433`, `0177.0.0.1` and `127.1` all arrive here as `127.0.0.1`, and
// IPv6 literals in one canonical form. Names are not resolved (a Worker cannot ask DNS which
// address fetch will use): a public name pointing at a private address is not caught here.

import type { Config } from "../config";
import { v6Groups } from "../lib/ip";

export type UrlRefusal = "insecure_url" | "url_credentials" | "internal_url";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Names that only mean something inside a network (RFC 6761, 6762, 8375; cloud metadata). */
const INTERNAL_SUFFIXES = [".localhost", ".internal", ".local", ".localdomain", ".home.arpa", ".intranet", ".lan"];

/** Non-public IPv4 ranges (RFC 6890 and friends) as [first octets, prefix length]. */
const PRIVATE_V4: [number[], number][] = [
  [[0], 8], // "this network", 0.0.0.0
  [[10], 8],
  [[100, 64], 10], // carrier-grade NAT
  [[127], 8],
  [[169, 254], 16], // link-local, cloud metadata (169.254.169.254)
  [[172, 16], 12],
  [[192, 0, 0], 24],
  [[192, 0, 2], 24],
  [[192, 88, 99], 24],
  [[192, 168], 16],
  [[198, 18], 15],
  [[198, 51, 100], 24],
  [[203, 0, 113], 24],
  [[224], 3], // multicast, reserved and broadcast: 224.0.0.0 and up
];

function v4Number(host: string): number | undefined {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

function privateV4(n: number): boolean {
  return PRIVATE_V4.some(([octets, bits]) => {
    const base = [...octets, 0, 0, 0, 0].slice(0, 4).reduce((a, o) => a * 256 + o, 0);
    const size = 2 ** (32 - bits);
    return n >= base && n < base + size;
  });
}

/**
 * Only global unicast (2000::/3) is public, less documentation (2001:db8::/32), IETF protocol
 * space such as Teredo (2001::/23) and 6to4 (2002::/16). That refuses ::, ::1, IPv4-mapped and
 * -compatible addresses (::ffff:a9fe:a9fe is 169.254.169.254), NAT64, fc00::/7, fe80::/10, multicast.
 */
function privateV6(g: number[]): boolean {
  const [g0 = 0, g1 = 0] = g;
  if ((g0 & 0xe000) !== 0x2000) return true;
  if (g0 === 0x2001 && (g1 < 0x200 || g1 === 0xdb8)) return true;
  return g0 === 0x2002;
}

function internalHost(hostname: string): boolean {
  const host = hostname.replace(/\.$/, "").toLowerCase();
  if (host.startsWith("[")) {
    const groups = v6Groups(host.slice(1, -1));
    return groups === undefined || privateV6(groups);
  }
  const v4 = v4Number(host);
  if (v4 !== undefined) return privateV4(v4);
  // A single label (`intranet`, `metadata`) is resolved by search domains inside a network.
  if (!host.includes(".")) return true;
  return host === "localhost" || INTERNAL_SUFFIXES.some((s) => host.endsWith(s));
}

/** Why a URL may not receive deliveries, or undefined when it may. */
export function refuseUrl(url: string, settings: Config): UrlRefusal | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "insecure_url";
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") return "insecure_url";
  if (u.username !== "" || u.password !== "") return "url_credentials";
  if (settings.WEBHOOK_ALLOW_LOOPBACK && LOOPBACK.has(u.hostname)) return undefined;
  if (u.protocol !== "https:") return "insecure_url";
  return internalHost(u.hostname) ? "internal_url" : undefined;
}

export const allowedUrl = (url: string, settings: Config) => refuseUrl(url, settings) === undefined;
