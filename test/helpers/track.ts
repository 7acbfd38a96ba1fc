/** A vrrp_track_process as the runtime sees it, with keepalived's defaults, for the tracker tests. */
import type { ResolvedTrackProcess } from '../../src/track/types.js';

export function trackProcess(p: Partial<ResolvedTrackProcess> & { process: string }): ResolvedTrackProcess {
  return {
    id: 0,
    name: `track-${p.process}`,
    fullCommand: false,
    quorum: 1,
    quorumMax: Number.MAX_SAFE_INTEGER,
    forkDelayUs: 0,
    terminateDelayUs: 0,
    weight: 0,
    reverse: false,
    ...p,
  };
}
