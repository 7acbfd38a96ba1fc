// STUB
export interface VirtualServer { address?: string }
export interface VirtualServerGroup { name: string }
export interface SslContext { ca?: string }
