// STUB
export interface IpAddressEntry { address: string }
