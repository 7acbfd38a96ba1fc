// STUB
export interface VrrpInstance { name: string }
