// STUB
export interface IpRouteEntry { to: string }
