#!/usr/bin/env -S node --import tsx --disable-warning=ExperimentalWarning
// Development entry point: runs the TypeScript commands in src/ directly through tsx.
import { execute } from '@oclif/core';

await execute({ development: true, dir: import.meta.url });
