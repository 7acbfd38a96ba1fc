// STUB
export interface SyncGroup { name: string }
