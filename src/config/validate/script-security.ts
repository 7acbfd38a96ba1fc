// STUB
import type { KeepalivedConfig } from '../model.js';
import type { Parser } from '../parser.js';
export function checkScriptSecurity(_config: KeepalivedConfig, _p: Parser): void {}
