/**
 * What a documentation code block may use without defining it: what the
 * application already has at that point (its request, the user record, what
 * the user typed) and the kanmon objects a guide has built in an earlier block.
 * test/docs/snippets.ts imports these into a block that does not declare the
 * name itself, with `'../../src/index.js'` rewritten to `'kanmon'` so they are
 * checked against the built package. Nothing here runs.
 */
import type { Express, Request, RequestHandler, Response } from 'express';
import type {
  AuditHead,
  AuditLog,
  AuditSink,
  ClientCertResult,
  DeviceCheckResult,
  Devices,
  Kanmon,
  KanmonStore,
  KeyRing,
  Lockout,
  PasswordHasher,
  PasswordIssue,
  Policy,
} from '../../src/index.js';

// The application's own request and response (Express here; any framework works).
export declare const req: Request;
export declare const res: Response;

// What the user sent, and where from (clientIp as resolved through trusted proxies).
export declare const username: string;
export declare const password: string;
export declare const newPassword: string;
export declare const input: string;
export declare const code: string;
export declare const clientIp: string;
export declare const ip: string;
export declare const userAgent: string;
export declare const deviceToken: string | undefined;
export declare const deviceVerified: boolean;
export declare const instant: number;
export declare const from: number;
export declare const to: number;

// The application's records and ids.
export declare const user: {
  readonly id: string;
  readonly roles: readonly string[];
  readonly totpSecret: string | null;
  readonly passwordChangedAt: number;
  readonly passwordHistory: readonly string[];
};
export declare const id: string;
export declare const account: string;
export declare const accountId: string;
export declare const adminId: string;
export declare const tenantId: string;
export declare const sealedSecret: string | null;
export declare const pendingSealedSecret: string;
export declare const accounts: { update(id: string, patch: object): Promise<void> };
export declare function saveTotpSecret(accountId: string, sealedSecret: string): Promise<void>;
export declare function verifyPassword(username: string, password: string): Promise<boolean>;

// Built in an earlier block of the same guide.
export declare const policy: Policy;
export declare const keyRing: KeyRing;
export declare const store: KanmonStore;
export declare const lockout: Lockout;
export declare const auditLog: AuditLog;
export declare const sink: AuditSink;
export declare const hasher: PasswordHasher;
export declare const devices: Devices;
export declare const certificate: ClientCertResult | null;
export declare const device: DeviceCheckResult | null;
/** A head kept outside the log (printed, mailed, on WORM storage): the anchor. */
export declare const keptHead: AuditHead;
export declare const issue: PasswordIssue;
/** `createKanmon({ … })` from the login-flow guide. */
export declare const kanmon: Kanmon;
/** The application's Express app and one of its route handlers. */
export declare const app: Express;
export declare const handler: RequestHandler;

// The application's own logger and alerting.
export declare const logger: { warn(message: string, detail?: unknown): void; error(message: string, detail?: unknown): void };
export declare function notify(alert: unknown): void;
/** The application's bridge from kanmon events (lockout, devices) to its audit log. */
export declare function audit(event: { readonly type: string }): Promise<void>;
