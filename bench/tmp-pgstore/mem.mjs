import { createLockout, definePolicy, memoryStore } from '../../dist/index.js';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { compare } from '../harness.mjs';
const policy = definePolicy('funabashi', { lockout: { maxFailures: 1000, perSource: { maxFailuresPerIp: null, maxFailuresPerAccountAndIp: null } } });
const account = (i) => `user${i % 100000}@city.example.jp`;
const store = memoryStore();
const lockout = createLockout({ policy, store });
const peer = new RateLimiterMemory({ points: 1_000_000, duration: 900 });
const cases = { 'kanmon reserve': (i) => lockout.reserve(account(i)), 'RLM.consume': (i) => peer.consume(account(i)) };
if (process.argv[2] === 'prof') { let p; for (let i = 0; i < 3_000_000; i++) p = lockout.reserve(account(i)); await p; }
else await compare('mem', cases, { timeMs: 4000, rounds: 8, batch: 100 });
process.exit(0);
