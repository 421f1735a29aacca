export { redisStore } from './store.js';
export type { RedisStoreOptions } from './store.js';
export type { RedisTransitionScript } from './scripts.js';
