/**
 * What the demo tests share: an RFC 6238 TOTP written independently of kanmon and otplib (so the
 * demo is checked against the standard, not against itself), and the shape of the demo module and
 * its seeded accounts (the demo is plain JavaScript).
 */
import { createHmac } from 'node:crypto';
import type { Server } from 'node:http';

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
