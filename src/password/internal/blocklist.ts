import { commonPasswordsEncoded } from '../common-passwords.js';

let decoded: ReadonlySet<string> | null = null;

/**
 * The shipped common-password list as a Set, decoded from its front-coded
 * form on first use (about 3 MiB of heap; `npm run bench` measures it).
 */
export function commonPasswords(): ReadonlySet<string> {
  if (decoded) return decoded;
  const set = new Set<string>();
  const text = commonPasswordsEncoded;
  let previous = '';
  let i = 0;
  while (i < text.length) {
    const shared = text.charCodeAt(i) - 65;
    let end = i + 1;
    while (end < text.length) {
      const unit = text.charCodeAt(end);
      if (unit >= 65 && unit <= 90) break;
      end++;
    }
    previous = previous.slice(0, shared) + text.slice(i + 1, end);
    set.add(previous);
    i = end;
  }
  decoded = set;
  return set;
}
