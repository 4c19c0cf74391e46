/**
 * Credentials inside a feed URL (`wss://user:pass@host/…`, `?apiKey=…&token=…`) must not reach
 * the log, the trace, the terminal or an error message. The secrets are taken out of the URL once
 * and every output line passes through `redact`, which replaces each occurrence by `***`: one
 * plain substring search per secret, cheap enough for the decision path.
 */
const SECRET_PARAM = /^(?:.*[-_])?(?:key|apikey|api_key|token|secret|password|passwd|pass|pwd|auth|signature|sig|credential|credentials|access_token|session)$/i;
const MASK = '***';

export type Redact = (text: string) => string;

/** The credential substrings of a URL as it is written (raw) and decoded. */
export function urlSecrets(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const found = new Set<string>();
  const add = (raw: string): void => {
    if (raw.length < 2) return; // masking one character would mangle every line
    found.add(raw);
    try {
      found.add(decodeURIComponent(raw));
    } catch {
      // a malformed escape: the raw form is still masked
    }
  };
  add(parsed.username);
  add(parsed.password);
  // The raw query text keeps the form the URL was typed in; add() also masks the decoded form.
  for (const pair of parsed.search.replace(/^\?/, '').split('&')) {
    const [name = '', value = ''] = pair.split('=');
    if (SECRET_PARAM.test(name)) add(value);
  }
  // Longest first, so a secret that contains another is masked whole.
  return [...found].sort((a, b) => b.length - a.length);
}

export function redactor(secrets: readonly string[]): Redact {
  if (secrets.length === 0) return (text) => text;
  // JSON.stringify may escape a secret's characters in the trace; mask that form too.
  const forms = [...new Set(secrets.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]))];
  return (text) => {
    let out = text;
    for (const secret of forms) if (out.includes(secret)) out = out.split(secret).join(MASK);
    return out;
  };
}
