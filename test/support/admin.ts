// The actor of an administrative call in tests: a real session of the administrator, issued now by the
// kanmon under test (so it is recent, SEC-13, and of the account's current epoch).
import type { Kanmon, Session } from '../../src/index.js';

/** `{ actor, actorSession }` for `actor` of `tenant`: spread it into an administrative call. */
export async function adminActor(kanmon: Pick<Kanmon, 'sessions'>, tenant: string, actor: string): Promise<{ readonly actor: string; readonly actorSession: Session }> {
  const { session } = await kanmon.sessions.issue({ tenant, subject: actor, amr: ['pwd', 'otp', 'mfa'], roles: ['admin'] });
  return { actor, actorSession: session };
}
