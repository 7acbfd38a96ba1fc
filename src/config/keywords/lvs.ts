// STUB
import type { KeywordTable } from '../parser.js';
import type { KeepalivedConfig } from '../model.js';
export const lvsRootKeywords: KeywordTable<KeepalivedConfig> = {};
