/** The shared adapter behaviour (IPC-16, IPC-11, SEC-24, …) against `kanmon/nestjs` on NestJS's Express platform. */
import { adapterBehaviour } from './behaviour.js';
import { nestExpressAdapter } from './nest-servers.js';

adapterBehaviour(nestExpressAdapter);
