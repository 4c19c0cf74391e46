/**
 * The credentials a command could leak (a --feed-url's, every venue key in the environment) and
 * the guard that keeps them out of its error line: `trader run` and `trader ingest` both hold a
 * venue connection, so both start here.
 */
import { TraderError } from '../../errors.js';
import { credentialValues } from '../../feeds/venues.js';
import { redactor, urlSecrets, type Needle } from '../../util/redact.js';

/**
 * Runs `body` with the secrets it must mask (it may add more, e.g. a config's feed URLs); a
 * TraderError it throws leaves with those secrets masked in its message.
 */
export async function withSecretsMasked(feedUrl: string | undefined, body: (secrets: Needle[]) => Promise<number>): Promise<number> {
  // Credentials in a feed URL never reach an output, error messages included.
  const secrets: Needle[] = feedUrl ? urlSecrets(feedUrl) : [];
  // Venue keys come from the environment and are masked in every output, whichever venue runs.
  for (const value of credentialValues(process.env)) secrets.push({ text: value, mask: '***' });
  try {
    return await body(secrets);
  } catch (err) {
    if (err instanceof TraderError) throw new TraderError(err.code, redactor(secrets)(err.message));
    throw err;
  }
}
