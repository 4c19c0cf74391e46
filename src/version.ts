import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** The package version, read once from package.json so the run record and --version agree. */
export const TRADER_VERSION: string = (require('../package.json') as { version: string }).version;
