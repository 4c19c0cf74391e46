#!/usr/bin/env node
// V8 flags per command (src/runtime/v8-flags.ts), set before anything allocates.
import { applyV8Flags } from '../dist/runtime/v8-flags.js';

applyV8Flags(process.argv[2]);
await import('../dist/cli/main.js');
