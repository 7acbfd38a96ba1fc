// STUB
import type { KeywordTable } from '../parser.js';
import type { KeepalivedConfig } from '../model.js';
export interface BfdInstance { name: string }
export const bfdRootKeywords: KeywordTable<KeepalivedConfig> = {};
