#!/usr/bin/env node
// The offline commands stream gigabytes through short-lived objects: a young generation held at
// 1 MB keeps their peak RSS ~30 MB lower at the same speed, and --optimize-for-size (a heap that
// grows less before it is collected, in every isolate: the workers too) another ~20 MB at 1M
// decisions (BENCHMARKS.md). Set before anything allocates; the runner keeps V8's defaults.
import { setFlagsFromString } from 'node:v8';

if (/^(validate|validate-determinism|report|generate-report)$/.test(process.argv[2] ?? '')) setFlagsFromString('--max-semi-space-size=1 --semi-space-growth-factor=1 --optimize-for-size');
await import('../dist/cli/main.js');
