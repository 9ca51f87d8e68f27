/**
 * Whether a URL's host is this machine or a private network: loopback, private, link-local, shared (CGNAT),
 * unspecified and unique-local addresses, IPv4-mapped forms of them, and names that only resolve locally. Webhooks
 * to such hosts are refused outside local development: a shop must not make the Worker call into its network.
 * Names are checked as written; public names that resolve to private addresses are the platform's to refuse
 * (Workers' fetch reaches the public internet only).
 */
const LOCAL_NAMES = /(^|\.)(localhost|local|internal|localdomain|home|lan|intranet|corp)$/i;

function privateIpv4(a: number, b: number): boolean {
  return a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || a >= 224;
}

export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "" || LOCAL_NAMES.test(host) || !host.includes(".") && !host.includes(":")) return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) return privateIpv4(Number(v4[1]), Number(v4[2]));
  if (host.includes(":")) {
    if (host === "::" || host === "::1") return true;
    // IPv4-mapped (::ffff:a.b.c.d, or its hex form as the URL parser writes it: ::ffff:7f00:1).
    const mapped = /^::ffff:(?:(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}|([0-9a-f]{1,4}):[0-9a-f]{1,4})$/.exec(host);
    if (mapped) {
      if (mapped[1] !== undefined) return privateIpv4(Number(mapped[1]), Number(mapped[2]));
      const high = parseInt(mapped[3]!, 16);
      return privateIpv4(high >> 8, high & 0xff);
    }
    const first = parseInt(host.split(":")[0] || "0", 16);
    return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80 || (first & 0xff00) === 0xff00;
  }
  return false;
}
