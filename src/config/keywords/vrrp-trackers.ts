// STUB
export interface VrrpScript { name: string }
export interface TrackProcess { name: string }
export interface TrackFile { name: string }
