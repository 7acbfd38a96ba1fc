// STUB
import type { KeywordTable } from '../parser.js';
import type { KeepalivedConfig } from '../model.js';
export interface GarpGroup { interfaces: string[] }
export interface TrackGroup { name: string }
export interface LinkbeatInterface { name: string }
export interface InterfaceUpDownDelay { name: string }
export const staticRootKeywords: KeywordTable<KeepalivedConfig> = {};
