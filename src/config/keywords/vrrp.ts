/** Top-level keywords of keepalived's VRRP pass that this area owns. */
import type { KeywordTable } from '../parser.js';
import type { KeepalivedConfig } from '../model.js';
import { vrrpTrackerRootKeywords } from './vrrp-trackers.js';
import { syncGroupRootKeywords } from './vrrp-sync-group.js';
import { vrrpInstanceBlock } from './vrrp-instance.js';

export const vrrpRootKeywords: KeywordTable<KeepalivedConfig> = {
  ...vrrpTrackerRootKeywords,
  ...syncGroupRootKeywords,
  vrrp_instance: vrrpInstanceBlock,
};
