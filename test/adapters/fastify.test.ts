/** The shared adapter behaviour (IPC-16, IPC-11, SEC-24, …) against `kanmon/fastify` on Fastify 5. */
import { adapterBehaviour } from './behaviour.js';
import { fastifyAdapter } from './servers.js';

adapterBehaviour(fastifyAdapter);
