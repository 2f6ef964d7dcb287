#!/usr/bin/env node
// The `entra-sync` command: runs the TypeScript CLI through tsx, from a checkout or an install.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
