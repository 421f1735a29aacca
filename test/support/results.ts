/** The success of a `{ ok: true, … } | { ok: false, … }` answer, for a step a test needs to go on; anything else throws with the answer. */
export function okOf<T extends { readonly ok: boolean }>(result: T): Extract<T, { readonly ok: true }> {
  if (!result.ok) throw new Error(`expected { ok: true }, got ${JSON.stringify(result)}`);
  return result as Extract<T, { readonly ok: true }>;
}
