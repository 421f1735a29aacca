/**
 * `kanmon/redis`: the state store over ioredis, shared by every instance behind
 * a load balancer (one atomic round trip per transition, Redis Cluster safe).
 *
 * @module kanmon/redis
 */
export { redisStore } from './store.js';
export type { RedisStoreOptions } from './store.js';
export type { RedisTransitionScript } from './scripts.js';
