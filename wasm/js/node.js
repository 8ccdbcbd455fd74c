// nl2sql-wasm for Node: the wasm module is read from disk and instantiated when this module loads, so the
// functions work at once (`await init()` is accepted and does nothing).
import { readFileSync } from 'node:fs';
import { initSync } from './nl2sql.js';

initSync(readFileSync(new URL('./nl2sql_wasm_bg.wasm', import.meta.url)));

export * from './nl2sql.js';
export { default } from './nl2sql.js';
