import { open, readdir, stat } from 'node:fs/promises';
import { streamPattern } from '../../event.js';

/** Where the file sink keeps a log: `<dir>/<stream>/<YYYY-MM-DD>.jsonl`, and the file-system calls around it. */

const filePattern = /^(\d{4}-\d{2}-\d{2})\.jsonl$/;

/** fsync a directory, so a file created (or removed) in it survives a power cut. */
export async function syncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The streams that have a folder in `dir`, sorted; none when `dir` cannot be read. */
export async function listStreams(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory() && streamPattern.test(d.name)).map((d) => d.name).sort();
  } catch {
    return [];
  }
}

/** A stream's day files, oldest first. */
export async function dayFiles(streamDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(streamDir);
  } catch {
    return [];
  }
  return names.filter((n) => filePattern.test(n)).sort();
}
