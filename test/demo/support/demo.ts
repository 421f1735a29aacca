/**
 * What the demo tests share: an RFC 6238 TOTP written independently of kanmon and otplib (so the
 * demo is checked against the standard, not against itself), and the shape of the demo module and
 * its seeded accounts (the demo is plain JavaScript).
 */
import { createHmac } from 'node:crypto';
import type { Server } from 'node:http';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) of a base32 secret at `atMs`. */
export function totp(secretBase32: string, atMs: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secretBase32.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 1000 / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/** An account the demo seeds at start (its issued password must be changed at first login). */
export interface Seeded {
  username: string;
  password: string;
  roles: string[];
}

/** The running demo, as far as the tests read it. */
export interface Demo {
  app: { listen(port: number, host: string, cb: () => void): Server };
  seeded: Seeded[];
  banner: string;
  kanmon: { policy: { session: { reauthMaxAgeSeconds: number }; accounts: { dormantDays: number } } };
  close(): Promise<void>;
}

/** examples/demo/app.mjs */
export interface DemoModule {
  createDemoApp(o: { now: () => number; dataDir: string; origin?: string; printMail?: (line: string) => void }): Promise<Demo>;
}

/** Click and wait for the page it leads to. */
export async function submit(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

/** The page's heading. */
export const h1 = (page: Page): Promise<string> => page.locator('h1').innerText();

/** The page is Japanese: `lang="ja"` and a heading in kana or kanji. */
export async function expectJapanese(page: Page): Promise<void> {
  expect(await page.getAttribute('html', 'lang')).toBe('ja');
  expect(await h1(page)).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
}
