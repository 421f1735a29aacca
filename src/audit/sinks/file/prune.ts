import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { readHead } from '../../chain.js';
import { parseAuditRecord } from '../../internal/parse.js';
import type { AuditPrunePlan } from '../../sink.js';
import { dayFiles, listStreams, syncDir } from './layout.js';
import { readLines } from './read.js';
import { scanTail } from './tail.js';

/** Retention for the file sink: whole day files, oldest first, never the newest. */

/** The prefix of each stream's day files that holds only records older than `beforeTs`. */
export async function planPrune(dir: string, beforeTs: number): Promise<AuditPrunePlan[]> {
  const plans: AuditPrunePlan[] = [];
  for (const stream of await listStreams(dir)) {
    const files = await dayFiles(join(dir, stream));
    let plan: AuditPrunePlan | null = null;
    let total = 0;
    // whole files only, oldest first, never the newest (a writer may be appending to it)
    for (const name of files.slice(0, -1)) {
      let allOld = true;
      let lastHead = null;
      let count = 0;
      for await (const batch of readLines(join(dir, stream, name), stream)) {
        for (const line of batch) {
          const head = readHead(line.bytes);
          if (!head) continue;
          const record = parseAuditRecord(line.bytes);
          if (record.ts >= beforeTs) allOld = false;
          lastHead = head;
          count++;
        }
      }
      if (!allOld || !lastHead) break;
      total += count;
      plan = { stream, throughSeq: lastHead.seq, throughMac: lastHead.mac, count: total };
    }
    if (plan) plans.push(plan);
  }
  return plans;
}

/**
 * Removes the day files a plan covers (up to its `throughSeq`) whose last record
 * is older than `cutoffTs` (the sink's retention, whatever the plan says), then
 * syncs the stream's folder.
 */
export async function prune(dir: string, plans: readonly AuditPrunePlan[], fsync: boolean, cutoffTs: number): Promise<void> {
  for (const plan of plans) {
    const streamDir = join(dir, plan.stream);
    for (const name of await dayFiles(streamDir)) {
      const path = join(streamDir, name);
      const handle = await open(path, 'r');
      let lastSeq = 0;
      let lastTs = Number.POSITIVE_INFINITY;
      try {
        const last = (await scanTail(handle, (await handle.stat()).size)).last;
        lastSeq = readHead(last ?? Buffer.alloc(0))?.seq ?? 0;
        if (lastSeq > 0) lastTs = parseAuditRecord(last!).ts;
      } finally {
        await handle.close();
      }
      if (lastSeq === 0 || lastSeq > plan.throughSeq || !(lastTs < cutoffTs)) break;
      await unlink(path);
    }
    if (fsync) await syncDir(streamDir);
  }
}
