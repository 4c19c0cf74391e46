/**
 * Credentials inside a feed URL (`wss://user:pass@host/…`, `?apiKey=…&token=…`) must not reach
 * the log, the trace, the terminal or an error message. They are taken out of the URL once, and
 * every output line passes through `redact`: one plain substring search per needle, cheap enough
 * for the decision path.
 *
 * Needles carry their context (`user:pass@`, `token=value`), so a short credential never masks
 * ordinary text — a digest or a price in a trace line that merely contains the same characters.
 * A long credential (8 characters or more: keys, tokens) is masked wherever it appears.
 */
const SECRET_PARAM = /^(?:.*[-_])?(?:key|apikey|api_key|token|secret|password|passwd|pass|pwd|auth|signature|sig|credential|credentials|access_token|session)$/i;
const MASK = '***';
const BARE_MIN_LENGTH = 8;

/** A text to find and what replaces it. */
export interface Needle {
  text: string;
  mask: string;
}

export type Redact = (text: string) => string;

export function urlSecrets(url: string): Needle[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const needles: Needle[] = [];
  const bare = (value: string): void => {
    for (const form of forms(value)) if (form.length >= BARE_MIN_LENGTH) needles.push({ text: form, mask: MASK });
  };
  const { username, password } = parsed;
  if (username || password) {
    for (const u of forms(username)) for (const p of password ? forms(password) : ['']) needles.push({ text: `${u}${password ? `:${p}` : ''}@`, mask: `${MASK}${password ? `:${MASK}` : ''}@` });
    bare(username);
    bare(password);
  }
  for (const pair of parsed.search.replace(/^\?/, '').split('&')) {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    if (!value || !SECRET_PARAM.test(name)) continue;
    for (const form of forms(value)) needles.push({ text: `${name}=${form}`, mask: `${name}=${MASK}` });
    bare(value);
  }
  // Longest first, so a needle that contains another is masked whole.
  return needles.sort((a, b) => b.text.length - a.text.length);
}

/** The value as typed in the URL, decoded, and as JSON.stringify writes either into the trace. */
function forms(raw: string): string[] {
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // a malformed escape: the raw form is still masked
  }
  return [...new Set([raw, decoded].flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]))].filter((s) => s !== '');
}

export function redactor(needles: readonly Needle[]): Redact {
  if (needles.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const { text: needle, mask } of needles) if (out.includes(needle)) out = out.split(needle).join(mask);
    return out;
  };
}
