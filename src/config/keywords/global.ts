// STUB: replaced by the global_defs work.
import type { KeywordTable } from '../parser.js';
import type { KeepalivedConfig } from '../model.js';
export interface GlobalDefs { router_id: string }
export interface RootSettings { net_namespace?: string }
export function defaultGlobalDefs(hostname: string): GlobalDefs { return { router_id: hostname }; }
export const globalRootKeywords: KeywordTable<KeepalivedConfig> = {};
