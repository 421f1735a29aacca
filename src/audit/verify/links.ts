/**
 * Where a chain may start after seq 1 or skip ahead: stream → (seq → the MAC
 * of that seq), from `log.pruned` records and an export's manifest.
 */
export type ChainLinks = Map<string, Map<number, string>>;

export const linkOf = (links: ChainLinks, stream: string, seq: number): string | undefined => links.get(stream)?.get(seq);

export function addLink(links: ChainLinks, stream: string, seq: number, mac: string): void {
  let map = links.get(stream);
  if (!map) links.set(stream, (map = new Map<number, string>()));
  map.set(seq, mac);
}
