#!/usr/bin/env node
// V8 flags per command (bin/v8-flags.js), set before anything allocates.
import { setFlagsFromString } from 'node:v8';
import { v8FlagsFor } from './v8-flags.js';

const flags = v8FlagsFor(process.argv[2]);
if (flags !== undefined) setFlagsFromString(flags);
await import('../dist/cli/main.js');
