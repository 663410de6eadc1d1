import type { Rule } from './engine.js';
import { slowDns } from './slow-dns.js';
import { slowConnect } from './slow-connect.js';
import { slowTls } from './slow-tls.js';

/** Every rule, in report order. Add one line per new rule file. */
export const RULES: readonly Rule[] = [
  slowDns,
  slowConnect,
  slowTls,
];
