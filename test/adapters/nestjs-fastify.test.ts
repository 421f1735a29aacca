/** The shared adapter behaviour (IPC-16, IPC-11, SEC-24, …) against `kanmon/nestjs` on NestJS's Fastify platform. */
import { adapterBehaviour } from './behaviour.js';
import { nestFastifyAdapter } from './nest-servers.js';

adapterBehaviour(nestFastifyAdapter);
