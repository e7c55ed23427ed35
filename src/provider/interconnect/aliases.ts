// Where `vkctl proxy` serves a Service inside a CCI pod: ClusterIPs are not routable from CCI, and a
// sidecar cannot add addresses or iptables rules there, but the whole of 127.0.0.0/8 is local to the
// pod. So a Service with cluster IP a.b.c.d is served on the loopback alias 127.b.c.d (its last
// three octets, unique within any Service range up to /8), and DNS answers the Service's name with
// that alias. 127.0.x.y holds the usual loopback addresses (127.0.0.1, 127.0.0.53), so b = 0 maps
// to 255 instead.

export function aliasOf(clusterIP: string): string {
  const [, b = 0, c = 0, d = 0] = clusterIP.split('.').map(Number);
  return `127.${b === 0 ? 255 : b}.${c}.${d}`;
}
