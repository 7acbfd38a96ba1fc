/** Top-level keywords of keepalived's checker pass. */
import type { KeywordTable } from '../parser.js';
import type { KeepalivedConfig } from '../model.js';
import { virtualServerRootKeywords } from './virtual-server.js';

export const lvsRootKeywords: KeywordTable<KeepalivedConfig> = { ...virtualServerRootKeywords };
